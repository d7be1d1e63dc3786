import type { IamEvent } from "../model";

/** True when the value looks like one CloudTrail record (eventVersion + eventSource + eventName). */
export function isCloudTrailRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && "eventSource" in value && "eventName" in value;
}

/** One CloudTrail record → IamEvent. Throws on a malformed record. */
export function normalizeCloudTrailRecord(_record: unknown): IamEvent {
  throw new Error("CloudTrail normalizer not implemented yet");
}
