import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { FirestoreStore } from "../../integrations/store/firestoreStore";
import type { ChildServer } from "../helpers/childServer";
import { readyz, startChildServer, waitUntil } from "../helpers/childServer";
import {
  bucketResource,
  bucketWrites,
  cardPostsByIncident,
  FAULT_SECRETS,
  faultEnv,
  publicBucketPush,
  publicPolicy,
  tally,
} from "../helpers/faultFixtures";
import type { FirestoreEmulator } from "../helpers/firestoreEmulator";
import { startFirestoreEmulator } from "../helpers/firestoreEmulator";
import { type gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";
import { SlackStandIn } from "../helpers/slackStandIn";

/**
 * Two server processes over one Firestore (the emulator, real gRPC protocol), both pushed every
 * event, as two Pub/Sub push subscriptions on one topic would, or a load balancer redelivering
 * to the other replica. Each bucket gets two events (allUsers, then allAuthenticatedUsers, by
 * the same principal), so the replicas also race on the same incident with different events.
 * What a responder sees: one incident per bucket holding both events, one card per incident,
 * one remediation (one setIamPolicy) per bucket.
 */

const PREFIX = "twin";
const BUCKETS = 6;
const PROJECT = "immune-twins";
let emulator: FirestoreEmulator;
let slack: SlackStandIn;
let google: GoogleApiStandIn;
const servers: ChildServer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  emulator = await startFirestoreEmulator();
  slack = await new SlackStandIn().start();
  google = await startGoogleApiStandIn();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  await slack?.stop();
  await google?.close();
  emulator?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The second event on bucket n: the same principal also grants allAuthenticatedUsers. */
function secondGrant(n: number): string {
  const first = JSON.parse(publicBucketPush(PREFIX, n).body) as { message: { data: string } };
  const entry = JSON.parse(Buffer.from(first.message.data, "base64").toString()) as ReturnType<
    typeof gcpPublicBucketEntry
  >;
  entry.insertId = `${PREFIX}-ins2-${n}`;
  entry.timestamp = "2026-11-20T14:04:02.001Z";
  entry.protoPayload.serviceData.policyDelta.bindingDeltas[0].member = "allAuthenticatedUsers";
  return JSON.stringify(pubSubPush(entry, `${8_000_000 + n}`));
}

describe("two server processes sharing one Firestore", () => {
  it("receiving the same events make one incident, one card and one remediation each", {
    timeout: 150_000,
  }, async () => {
    const t0 = Date.now();
    const firsts = Array.from({ length: BUCKETS }, (_, n) => publicBucketPush(PREFIX, n));
    for (const e of firsts) google.setPolicy(bucketResource(e.bucket), publicPolicy());
    const bodies = firsts.flatMap((e, n) => [e.body, secondGrant(n)]);

    const env = (dir: string) => ({
      ...faultEnv(slack, google),
      STORE: "firestore",
      FIRESTORE_PROJECT_ID: PROJECT,
      FIRESTORE_EMULATOR_HOST: emulator.host,
      DATA_DIR: dir,
    });
    const [a, b] = await Promise.all(
      [0, 1].map(async () => {
        const dir = mkdtempSync(join(tmpdir(), "immune-twin-"));
        dirs.push(dir);
        const s = await startChildServer(env(dir), { secrets: FAULT_SECRETS });
        servers.push(s);
        return s;
      }),
    );
    const tStarted = Date.now();

    // Every event to both replicas at the same moment; both must acknowledge it.
    const post = async (url: string, body: string) => {
      const res = await fetch(`${url}/events/gcp`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      return { status: res.status, json: (await res.json()) as { accepted: number; duplicates: number } };
    };
    let accepted = 0;
    let duplicates = 0;
    await Promise.all(
      bodies.map(async (body) => {
        const answers = await Promise.all([post(a.url, body), post(b.url, body)]);
        for (const r of answers) {
          expect(r.status).toBe(200);
          accepted += r.json.accepted;
          duplicates += r.json.duplicates;
        }
      }),
    );
    // Each event was stored once: the other replica saw it as a duplicate.
    expect({ accepted, duplicates }).toEqual({ accepted: bodies.length, duplicates: bodies.length });

    const store = new FirestoreStore({ projectId: PROJECT, emulatorHost: emulator.host });
    try {
      const incidents = async () =>
        (await store.query<Incident>("incidents", { limit: 1000 })).map((d) => d.data);
      await waitUntil(
        "both inboxes drained and every incident settled",
        async () => {
          const [ra, rb] = await Promise.all([readyz(a.url), readyz(b.url)]);
          if (ra?.backlog !== 0 || rb?.backlog !== 0) return false;
          const all = await incidents();
          return (
            all.length === BUCKETS &&
            all.every((i) => i.eventIds.length === 2 && i.state === "remediated" && i.chat.slack)
          );
        },
        60_000,
        500,
      ).catch(() => undefined);

      const all = await incidents();
      const cards = cardPostsByIncident(slack);
      const writes = bucketWrites(google);
      expect({
        inbox: await store.inboxCounts(),
        incidents: all.length,
        eventsPerIncident: tally(all.map((i) => i.eventIds.length)),
        states: tally(all.map((i) => i.state)),
        cardsPerIncident: tally(all.map((i) => cards.get(i.id)?.length ?? 0)),
        cardTsRecorded: tally(all.map((i) => Boolean(i.chat.slack))),
        setIamPolicyPerBucket: tally(firsts.map((e) => writes.get(e.bucket) ?? 0)),
      }).toEqual({
        inbox: { pending: 0, done: bodies.length, dead: 0 },
        incidents: BUCKETS,
        eventsPerIncident: { 2: BUCKETS },
        states: { remediated: BUCKETS },
        cardsPerIncident: { 1: BUCKETS },
        cardTsRecorded: { true: BUCKETS },
        setIamPolicyPerBucket: { 1: BUCKETS },
      });
      // Every update edits a card some incident owns; no bucket is left public.
      const owned = new Set(all.map((i) => i.chat.slack?.ts));
      expect(slack.of("chat.update").filter((u) => !owned.has(String(u.body.ts)))).toEqual([]);
      for (const e of firsts) {
        const members = (google.policy(bucketResource(e.bucket)).bindings ?? []).flatMap((x) => x.members);
        expect(members).not.toContain("allUsers");
      }
      console.log(
        `two replicas on Firestore: ${bodies.length} events to both; start ${tStarted - t0} ms,` +
          ` settled ${Date.now() - tStarted} ms; ${slack.calls.length} Slack calls, ${google.calls.length} Google calls`,
      );
    } finally {
      await store.close();
    }
  });
});
