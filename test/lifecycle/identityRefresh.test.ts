import { afterEach, describe, expect, it } from "vitest";
import type { Incident } from "../../detection/model";
import { lifecycleFeature } from "../../integrations/sailpoint/lifecycleFeature";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";
import { aliceCreated, hmacHeaders, post, RecordingChannel } from "./fixtures";

/**
 * The running worker scores a person's events with what SailPoint said about them since it
 * started: before, identities were read once at start-up, so a leaver or a joiner stayed
 * "unknown to the IGA" until the next restart.
 */
const SECRET = "identity-refresh-hmac-key";
let srv: TestServer | undefined;

afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** Alice makes bucket `bucket` public (its own incident: one per actor and target). */
function aliceMakesPublic(bucket: string, n: number) {
  const entry = gcpPublicBucketEntry({ insertId: `idrefresh-${n}`, principal: "alice@acme.com" });
  entry.protoPayload.resourceName = `projects/_/buckets/${bucket}`;
  entry.protoPayload.authorizationInfo[0].resource = `projects/_/buckets/${bucket}`;
  entry.resource.labels.bucket_name = bucket;
  return pubSubPush(entry, `idrefresh-m${n}`);
}

async function lifecycleFactorOf(s: TestServer, bucket: string): Promise<string | undefined> {
  for (let i = 0; i < 200; i++) {
    const docs = await s.server.store.query<Incident>("incidents", { limit: 100 });
    const inc = docs.map((d) => d.data).find((x) => x.target.id.includes(bucket));
    if (inc) return inc.factors.find((f) => f.name === "lifecycle")?.why;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no incident for ${bucket}`);
}

describe("identities written while the server runs", () => {
  it("a joiner from SailPoint is scored as one from the next event on, without a restart", async () => {
    const feature = lifecycleFeature();
    srv = await startTestServer(
      { SAILPOINT_WEBHOOK_SECRET: SECRET, LIFECYCLE_ONBOARDING_DAYS: "10" },
      { features: [feature], channels: [new RecordingChannel()] },
    );
    expect((await postJson(`${srv.url}/events/gcp`, aliceMakesPublic("acme-before-joiner", 1))).status).toBe(
      200,
    );
    expect(await lifecycleFactorOf(srv, "acme-before-joiner")).toBe("identity unknown to the IGA");

    const body = JSON.stringify(aliceCreated);
    const res = await post(
      `${srv.url}/events/sailpoint?trigger=idn:identity-created`,
      body,
      hmacHeaders(SECRET, body),
    );
    expect(res.status).toBe(202);
    await feature.service?.idle();

    expect((await postJson(`${srv.url}/events/gcp`, aliceMakesPublic("acme-after-joiner", 2))).status).toBe(
      200,
    );
    expect(await lifecycleFactorOf(srv, "acme-after-joiner")).toBe("joiner within the onboarding window");
  });
});
