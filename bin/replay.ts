import { readFileSync } from "node:fs";
import type { RawRecord } from "../handlers/envelopes";
import { extractAnyRecords } from "../handlers/envelopes";

/**
 * `immune replay FILE --to URL`: posts the events in a sample file to a running server, each
 * in the envelope its real sender uses (GCP: a Pub/Sub push envelope; AWS: an EventBridge
 * event), with the authentication headers available locally (EVENTBRIDGE_API_KEY from the
 * environment; Pub/Sub OIDC needs Google and is only used in unauthenticated local mode).
 */
export function readRecords(file: string): RawRecord[] {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const trimmed = text.trim();
  try {
    const whole = JSON.parse(trimmed) as unknown;
    return (Array.isArray(whole) ? whole : [whole]).flatMap((v) => extractAnyRecords(v));
  } catch {
    return trimmed
      .split("\n")
      .filter((l) => l.trim())
      .flatMap((l) => extractAnyRecords(JSON.parse(l)));
  }
}

export function envelopeFor(r: RawRecord, now = new Date()): { path: string; body: unknown } {
  if (r.source === "gcp") {
    return {
      path: "/events/gcp",
      body: {
        message: {
          data: Buffer.from(JSON.stringify(r.record)).toString("base64"),
          messageId: `replay-${r.id}`,
          publishTime: now.toISOString(),
          attributes: { "logging.googleapis.com/timestamp": String(r.record.timestamp ?? now.toISOString()) },
        },
        subscription: "projects/local/subscriptions/iam-immune-replay",
      },
    };
  }
  const rec = r.record as {
    eventSource?: string;
    eventTime?: string;
    recipientAccountId?: string;
    awsRegion?: string;
  };
  return {
    path: "/events/aws",
    body: {
      version: "0",
      id: `replay-${r.id}`,
      "detail-type": "AWS API Call via CloudTrail",
      source: `aws.${String(rec.eventSource ?? "unknown").split(".")[0]}`,
      account: rec.recipientAccountId ?? "000000000000",
      time: rec.eventTime ?? now.toISOString(),
      region: rec.awsRegion ?? "us-east-1",
      resources: [],
      detail: r.record,
    },
  };
}

export async function replay(
  file: string,
  to: string,
  env: NodeJS.ProcessEnv,
  write: (line: string) => void,
): Promise<{ sent: number; failed: number }> {
  const records = readRecords(file);
  let sent = 0;
  let failed = 0;
  for (const r of records) {
    const { path, body } = envelopeFor(r);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (r.source === "aws" && env.EVENTBRIDGE_API_KEY) {
      headers[(env.EVENTBRIDGE_API_KEY_HEADER ?? "x-api-key").toLowerCase()] = env.EVENTBRIDGE_API_KEY;
    }
    const res = await fetch(new URL(path, to), { method: "POST", headers, body: JSON.stringify(body) });
    const answer = await res.text();
    if (res.ok) sent++;
    else failed++;
    write(`${res.status} ${r.id} ${answer.slice(0, 200)}`);
  }
  return { sent, failed };
}
