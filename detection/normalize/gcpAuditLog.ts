import type { IamEvent } from "../model";

/** True when the value looks like a Cloud Audit Logs LogEntry (has a protoPayload). */
export function isGcpLogEntry(value: unknown): boolean {
  return typeof value === "object" && value !== null && "protoPayload" in value;
}

/** Cloud Audit Log LogEntry (protoPayload AuditLog) → IamEvent. Throws on a malformed entry. */
export function normalizeGcpLogEntry(_entry: unknown): IamEvent {
  throw new Error("GCP normalizer not implemented yet");
}
