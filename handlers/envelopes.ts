import { z } from "zod";
import { fastParser } from "../detection/normalize/fastParse";

/**
 * The outside shapes events arrive in, as zod schemas, and the functions that take raw
 * provider records out of them. Shared by the webhook handlers and by `immune scan`, so a
 * file scanned on a laptop is read exactly as the server would read it.
 *
 * GCP: Pub/Sub push envelopes and Eventarc CloudEvents (structured and binary mode) carrying
 * Cloud Audit Log LogEntries. AWS: EventBridge events whose detail is a CloudTrail record, and
 * CloudTrail log files ({"Records": [...]}).
 */

/** Just enough of a LogEntry to know it is one and to dedupe it; the normalizer checks the rest. */
export const LogEntryEnvelopeSchema = z.looseObject({
  insertId: z.string().min(1, "insertId is empty"),
  logName: z.string().optional(),
  timestamp: z.string().optional(),
  protoPayload: z.looseObject({}),
});

export const PubSubPushSchema = z.object({
  message: z.looseObject({
    data: z.string().optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string(),
  deliveryAttempt: z.number().optional(),
});
export type PubSubPush = z.infer<typeof PubSubPushSchema>;

export const CloudEventStructuredSchema = z.looseObject({
  specversion: z.string(),
  id: z.string(),
  source: z.string(),
  type: z.string(),
  data: z.unknown(),
  data_base64: z.string().optional(),
});

export const CloudTrailRecordEnvelopeSchema = z.looseObject({
  eventID: z.string().min(1, "eventID is empty"),
  eventName: z.string(),
  eventSource: z.string(),
  eventTime: z.string(),
});

export const EventBridgeEventSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string(),
  "detail-type": z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: z.unknown(),
});

export const CloudTrailLogFileSchema = z.object({ Records: z.array(z.unknown()) });

/** A raw record taken out of its envelope: its dedupe id and the record itself. */
export interface RawRecord {
  /** `${source}:${source event id}` */
  id: string;
  source: "gcp" | "aws";
  record: Record<string, unknown>;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvelopeError";
  }
}

function describe(error: z.ZodError, where: string): string {
  const first = error.issues[0];
  const path = first.path.length ? first.path.join(".") : "(root)";
  return `${where}: ${path}: ${first.message}`;
}

/**
 * Compiled checks in front of the envelope schemas: a valid record is taken as it is rather
 * than copied by zod (every line of a scan and every webhook record goes through these).
 */
const parseLogEntryEnvelope = fastParser(LogEntryEnvelopeSchema);
const parseCloudTrailRecordEnvelope = fastParser(CloudTrailRecordEnvelopeSchema);

function asLogEntry(value: unknown, where: string): RawRecord {
  const parsed = parseLogEntryEnvelope(value);
  if (!parsed.success)
    throw new EnvelopeError(describe(parsed.error, `${where} is not a Cloud Audit LogEntry`));
  return { id: `gcp:${parsed.data.insertId}`, source: "gcp", record: parsed.data };
}

function decodeBase64Json(data: string, where: string): unknown {
  const text = Buffer.from(data, "base64").toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new EnvelopeError(`${where} is not base64-encoded JSON`);
  }
}

/** Headers that mark an Eventarc binary-mode CloudEvent. */
export function isBinaryCloudEvent(headers: Record<string, string | string[] | undefined>): boolean {
  return typeof headers["ce-specversion"] === "string" && typeof headers["ce-id"] === "string";
}

/**
 * GCP push body (already JSON-parsed) → LogEntries. `binaryCloudEvent` is true when the
 * request carried ce-* headers, so the body is the event data itself.
 */
export function extractGcpRecords(body: unknown, binaryCloudEvent: boolean): RawRecord[] {
  if (binaryCloudEvent) return [asLogEntry(body, "CloudEvent data")];
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new EnvelopeError("body must be a JSON object (Pub/Sub push envelope or CloudEvent)");
  }
  if ("message" in body) {
    const push = PubSubPushSchema.safeParse(body);
    if (!push.success) throw new EnvelopeError(describe(push.error, "Pub/Sub push envelope"));
    const data = push.data.message.data;
    if (!data) throw new EnvelopeError("Pub/Sub push envelope: message.data is missing");
    return [asLogEntry(decodeBase64Json(data, "Pub/Sub message.data"), "Pub/Sub message.data")];
  }
  if ("specversion" in body) {
    const ce = CloudEventStructuredSchema.safeParse(body);
    if (!ce.success) throw new EnvelopeError(describe(ce.error, "CloudEvent"));
    const data = ce.data.data_base64
      ? decodeBase64Json(ce.data.data_base64, "CloudEvent data_base64")
      : ce.data.data;
    return [asLogEntry(data, "CloudEvent data")];
  }
  if ("protoPayload" in body) return [asLogEntry(body, "body")];
  throw new EnvelopeError("body is neither a Pub/Sub push envelope, a CloudEvent nor a LogEntry");
}

function asCloudTrailRecord(value: unknown, where: string): RawRecord {
  const parsed = parseCloudTrailRecordEnvelope(value);
  if (!parsed.success) throw new EnvelopeError(describe(parsed.error, `${where} is not a CloudTrail record`));
  return { id: `aws:${parsed.data.eventID}`, source: "aws", record: parsed.data };
}

/** AWS body (already JSON-parsed) → CloudTrail records. */
export function extractAwsRecords(body: unknown): RawRecord[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new EnvelopeError("body must be a JSON object (EventBridge event or CloudTrail log file)");
  }
  if ("Records" in body) {
    const file = CloudTrailLogFileSchema.safeParse(body);
    if (!file.success) throw new EnvelopeError(describe(file.error, "CloudTrail log file"));
    return file.data.Records.map((r, i) => asCloudTrailRecord(r, `Records[${i}]`));
  }
  if ("detail-type" in body) {
    const ev = EventBridgeEventSchema.safeParse(body);
    if (!ev.success) throw new EnvelopeError(describe(ev.error, "EventBridge event"));
    if (
      !ev.data["detail-type"].includes("via CloudTrail") &&
      !ev.data["detail-type"].startsWith("AWS Console Sign In")
    ) {
      throw new EnvelopeError(
        `EventBridge event: detail-type "${ev.data["detail-type"].slice(0, 80)}" does not carry a CloudTrail record`,
      );
    }
    return [asCloudTrailRecord(ev.data.detail, "EventBridge detail")];
  }
  if ("eventID" in body) return [asCloudTrailRecord(body, "body")];
  throw new EnvelopeError("body is neither an EventBridge event nor a CloudTrail log file");
}

/**
 * One JSON value of unknown kind (a line of a scanned file) → raw records: CloudTrail log file
 * or record, EventBridge event, Pub/Sub push envelope, CloudEvent or LogEntry.
 */
export function extractAnyRecords(value: unknown): RawRecord[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvelopeError("not a JSON object");
  }
  if ("Records" in value || "detail-type" in value || "eventID" in value) return extractAwsRecords(value);
  return extractGcpRecords(value, false);
}
