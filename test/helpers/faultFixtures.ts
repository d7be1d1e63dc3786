import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { IamPolicy } from "../../remediation/gcpPolicyEdit";
import type { ChildServer } from "./childServer";
import { gcpPublicBucketEntry, pubSubPush } from "./fixtures";
import { type GoogleApiStandIn, startGoogleApiStandIn } from "./googleApiStandIn";
import { SlackStandIn } from "./slackStandIn";

/**
 * Shared pieces of the fault tests: one GCP "bucket made public" Pub/Sub push per bucket (each a
 * separate incident: distinct principal and bucket), the bucket's IAM policy as Google holds it
 * before remediation, and the environment that runs the real server against the Slack and
 * Google stand-ins with automatic remediation on.
 */

export const SLACK_BOT_TOKEN = "xoxb-2222-3333-faultteststoken";
export const SLACK_SIGNING_SECRET = "fault-test-signing-secret-7c1d";
export const LINK_SIGNING_SECRET = "fault-test-link-secret";
export const SLACK_CHANNEL = "C0FAULTS";

export function bucketName(prefix: string, n: number): string {
  return `${prefix}-b${String(n).padStart(4, "0")}`;
}

export function bucketResource(bucket: string): string {
  return `projects/_/buckets/${bucket}`;
}

/** The Pub/Sub push body for "principal n made bucket n public" (a redelivery reuses it). */
export function publicBucketPush(
  prefix: string,
  n: number,
): { bucket: string; insertId: string; body: string } {
  const bucket = bucketName(prefix, n);
  const insertId = `${prefix}-ins-${n}`;
  const entry = gcpPublicBucketEntry({ insertId, principal: `dev${n}@example.com` });
  entry.protoPayload.resourceName = bucketResource(bucket);
  entry.protoPayload.authorizationInfo[0].resource = bucketResource(bucket);
  entry.resource.labels.bucket_name = bucket;
  return { bucket, insertId, body: JSON.stringify(pubSubPush(entry, `${9_000_000 + n}`)) };
}

export function publicPolicy(): IamPolicy {
  return {
    version: 1,
    bindings: [
      {
        role: "roles/storage.legacyBucketOwner",
        members: ["projectEditor:acme-prod", "projectOwner:acme-prod"],
      },
      { role: "roles/storage.objectViewer", members: ["allUsers"] },
    ],
  };
}

/** The environment of a server posting cards to the Slack stand-in and auto-remediating. */
export function faultEnv(slack: SlackStandIn, google: GoogleApiStandIn): Record<string, string> {
  return {
    SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_INCIDENT_CHANNEL: SLACK_CHANNEL,
    LINK_SIGNING_SECRET,
    GOOGLE_API_ROOT_URL: google.url,
    REMEDIATION_MODE: "enforce",
    AUTO_REMEDIATE: "true",
    AUTO_REMEDIATE_THRESHOLD: "40",
    BREAKER_MAX_AUTO_PER_HOUR: "100000",
  };
}

export const FAULT_SECRETS = [SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, LINK_SIGNING_SECRET];

/** Successful setIamPolicy calls (Cloud Storage PUT …/iam) per bucket. */
export function bucketWrites(google: GoogleApiStandIn): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of google.calls) {
    const m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(c.path);
    if (m && c.method === "PUT") out.set(m[1], (out.get(m[1]) ?? 0) + 1);
  }
  return out;
}

/**
 * Incident cards Slack accepted (chat.postMessage answered 200, top level, with blocks: not
 * thread replies or notices), by incident id (the card links to its incident page).
 */
export function cardPostsByIncident(slack: SlackStandIn): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of slack.calls) {
    if (c.method !== "chat.postMessage" || c.body.__status !== 200 || c.body.thread_ts) continue;
    if (!Array.isArray(c.body.blocks)) continue;
    const id = /inc-[0-9a-f]{20}/.exec(JSON.stringify(c.body.blocks))?.[0] ?? "?";
    out.set(id, [...(out.get(id) ?? []), String(c.body.__ts ?? "")]);
  }
  return out;
}

/** How many times each value occurs (a failure then shows every count at once). */
export function tally(xs: unknown[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[String(x)] = (out[String(x)] ?? 0) + 1;
  return out;
}

export interface FaultRig {
  slack: SlackStandIn;
  google: GoogleApiStandIn;
  dataDir: string;
  /** Child servers the test started: killed after the file. */
  servers: ChildServer[];
}

/**
 * The Slack and Google stand-ins, a data folder and the child servers of one test file: started
 * before its tests, stopped and removed after them.
 */
export function useFaultRig(prefix: string): FaultRig {
  const rig = { dataDir: mkdtempSync(join(tmpdir(), prefix)), servers: [] } as unknown as FaultRig;
  beforeAll(async () => {
    rig.slack = await new SlackStandIn().start();
    rig.google = await startGoogleApiStandIn();
  });
  afterAll(async () => {
    for (const s of rig.servers) await s.kill();
    if (rig.slack) rig.slack.onCall = undefined;
    rig.google?.onRequest(undefined);
    await rig.slack?.stop();
    await rig.google?.close();
    rmSync(rig.dataDir, { recursive: true, force: true });
  });
  return rig;
}
