import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { remediationFeature } from "../../remediation/remediationFeature";
import { waitUntil } from "../helpers/childServer";
import { bucketResource, bucketWrites, publicPolicy } from "../helpers/faultFixtures";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import type { GoogleApiStandIn } from "../helpers/googleApiStandIn";
import { startGoogleApiStandIn } from "../helpers/googleApiStandIn";
import { CapturingChannel } from "../helpers/remediationFixtures";
import { postJson, startTestServer, type TestServer } from "../helpers/server";

/**
 * The bucket is made public again after automatic remediation fixed it, within the same
 * incident window: the new finding folds into the remediated incident, which is reopened and
 * remediated again, rather than showing "Remediated" over a public bucket. The same goes for a
 * second public member (allAuthenticatedUsers) that the first plan did not name.
 */

const BUCKET = "acme-prod-invoices";
let google: GoogleApiStandIn;
let t: TestServer;
const channel = new CapturingChannel();

beforeAll(async () => {
  google = await startGoogleApiStandIn();
  t = await startTestServer(
    {
      GOOGLE_API_ROOT_URL: google.url,
      REMEDIATION_MODE: "enforce",
      AUTO_REMEDIATE: "true",
      AUTO_REMEDIATE_THRESHOLD: "40",
    },
    { features: [remediationFeature()], channels: [channel] },
  );
});
afterAll(async () => {
  await t?.close();
  await google?.close();
});

const members = () => (google.policy(bucketResource(BUCKET)).bindings ?? []).flatMap((b) => b.members ?? []);

async function grant(insertId: string, member: string, timestamp: string): Promise<void> {
  // What the attacker did, as Google now holds it, then the audit log entry saying so.
  const p = publicPolicy();
  p.bindings = p.bindings?.map((b) =>
    b.role === "roles/storage.objectViewer" ? { ...b, members: [member] } : b,
  );
  google.setPolicy(bucketResource(BUCKET), p);
  const entry = gcpPublicBucketEntry({ insertId, timestamp });
  entry.protoPayload.serviceData.policyDelta.bindingDeltas[0].member = member;
  expect((await postJson(`${t.url}/events/gcp`, pubSubPush(entry, insertId))).status).toBe(200);
}

async function settled(writes: number): Promise<Incident> {
  return waitUntil(
    `${writes} setIamPolicy calls and a remediated incident`,
    async () => {
      const [inc] = (await t.server.store.query<Incident>("incidents", { limit: 5 })).map((d) => d.data);
      return inc?.state === "remediated" && (bucketWrites(google).get(BUCKET) ?? 0) >= writes ? inc : null;
    },
    15_000,
  );
}

describe("a remediated incident that gains a finding", () => {
  it("is reopened and remediated again when the bucket is made public again", async () => {
    await grant("reopen-1", "allUsers", "2026-11-20T14:03:12.483Z");
    await settled(1);
    expect(members()).not.toContain("allUsers");

    // Made public again ten minutes later: same principal, bucket and hour, so same incident.
    await grant("reopen-2", "allUsers", "2026-11-20T14:13:12.483Z");
    const again = await settled(2);
    expect(members()).not.toContain("allUsers");
    expect(again.findings).toHaveLength(2);
    expect(again.timeline.map((e) => e.what).filter((w) => w.startsWith("reopened"))).toHaveLength(1);

    // A public member the plan did not name yet.
    await grant("reopen-3", "allAuthenticatedUsers", "2026-11-20T14:23:12.483Z");
    const third = await settled(3);
    expect(members()).not.toContain("allAuthenticatedUsers");
    expect(third.plan?.actions.map((a) => a.description)).toEqual(
      expect.arrayContaining([expect.stringMatching(/allAuthenticatedUsers/)]),
    );
    expect(bucketWrites(google).get(BUCKET)).toBe(3);
    // One incident throughout, and its last card says remediated.
    expect(await t.server.store.query("incidents", { limit: 5 })).toHaveLength(1);
    expect(channel.last(third.id)?.state).toBe("remediated");
  }, 40_000);
});
