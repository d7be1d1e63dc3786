import type { IamEvent } from "../model";
import { isCloudTrailRecord, normalizeCloudTrailRecord } from "./awsCloudTrail";
import { isGcpLogEntry, normalizeGcpLogEntry } from "./gcpAuditLog";

export class UnrecognizedRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnrecognizedRecordError";
  }
}

/** One raw provider record (a CloudTrail record or a Cloud Audit LogEntry) → IamEvent. */
export function normalizeRecord(record: unknown): IamEvent {
  if (isGcpLogEntry(record)) return normalizeGcpLogEntry(record);
  if (isCloudTrailRecord(record)) return normalizeCloudTrailRecord(record);
  throw new UnrecognizedRecordError("neither a Cloud Audit LogEntry nor a CloudTrail record");
}
