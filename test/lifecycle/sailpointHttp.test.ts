import { afterEach, describe, expect, it } from "vitest";
import type { Identity } from "../../detection/model";
import { lifecycleFeature } from "../../integrations/sailpoint/lifecycleFeature";
import type { TestServer } from "../helpers/server";
import { startTestServer } from "../helpers/server";
import { ALICE_ID, aliceCreated, hmacHeaders, post, RecordingChannel } from "./fixtures";

const SECRET = "s3cret-hmac-key-for-tests";
let srv: TestServer | undefined;

afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function start(env: Record<string, string>) {
  const feature = lifecycleFeature();
  srv = await startTestServer(env, {
    features: [feature],
    channels: [new RecordingChannel()],
    startWorker: false,
  });
  return { srv, feature };
}

async function nothingStored(s: TestServer) {
  expect(await s.server.store.query("lifecycle")).toEqual([]);
  expect(await s.server.store.query("identities")).toEqual([]);
}

describe("POST /events/sailpoint authentication", () => {
  it("refuses unsigned, mis-signed, tampered and stale requests and stores nothing", async () => {
    const { srv: s } = await start({ SAILPOINT_WEBHOOK_SECRET: SECRET });
    const url = `${s.url}/events/sailpoint?trigger=idn:identity-created`;
    const body = JSON.stringify(aliceCreated);
    const cases: Record<string, string>[] = [
      {},
      {
        "x-sailpoint-signature": "sha256=00",
        "x-sailpoint-timestamp": String(Math.floor(Date.now() / 1000)),
      },
      hmacHeaders("wrong-secret", body),
      hmacHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 3600),
      { authorization: `Bearer ${SECRET}` },
    ];
    for (const headers of cases) {
      const res = await post(url, body, headers);
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.json)).not.toContain(SECRET);
    }
    // Signed for one body, sent with another.
    const tampered = body.replace("engineering", "finance");
    expect((await post(url, tampered, hmacHeaders(SECRET, body))).status).toBe(401);
    await nothingStored(s);
  });

  it("accepts a signed identity-created, makes a joiner with an onboarding window, and dedupes redelivery", async () => {
    const { srv: s, feature } = await start({
      SAILPOINT_WEBHOOK_SECRET: SECRET,
      LIFECYCLE_ONBOARDING_DAYS: "10",
    });
    const url = `${s.url}/events/sailpoint?trigger=idn:identity-created`;
    const body = JSON.stringify(aliceCreated);
    const first = await post(url, body, hmacHeaders(SECRET, body));
    expect(first.status).toBe(202);
    expect(first.json.kind).toBe("joiner");
    const again = await post(url, body, hmacHeaders(SECRET, body));
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);
    await feature.service?.idle();

    const events = await s.server.store.query<{ status: string }>("lifecycle");
    expect(events).toHaveLength(1);
    expect(events[0].data.status).toBe("done");
    const alice = (await s.server.store.get<Identity>("identities", "alice@acme.com"))?.data;
    expect(alice?.lifecycle).toBe("joiner");
    expect(alice?.sailpointId).toBe(ALICE_ID);
    expect(alice?.department).toBe("engineering");
    expect(alice?.knownToIga).toBe(true);
    const days = (Date.parse(alice?.onboardingUntil ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9.9);
    expect(days).toBeLessThan(10.1);
  });

  it("with a bearer token configured: wrong or missing token is 401, the right one is accepted", async () => {
    const { srv: s } = await start({ SAILPOINT_WEBHOOK_TOKEN: "tok-123456" });
    const url = `${s.url}/events/sailpoint?trigger=idn:identity-created`;
    const body = JSON.stringify(aliceCreated);
    expect((await post(url, body, {})).status).toBe(401);
    expect((await post(url, body, { authorization: "Bearer tok-1234567" })).status).toBe(401);
    expect((await post(url, body, { authorization: "Basic dG9rLTEyMzQ1Njo=" })).status).toBe(401);
    await nothingStored(s);
    expect((await post(url, body, { authorization: "Bearer tok-123456" })).status).toBe(202);
  });

  it("rejects a payload that is no SailPoint shape with 400 and stores nothing", async () => {
    const { srv: s } = await start({ SAILPOINT_WEBHOOK_TOKEN: "tok-123456" });
    const res = await post(`${s.url}/events/sailpoint`, JSON.stringify({ hello: "world" }), {
      authorization: "Bearer tok-123456",
    });
    expect(res.status).toBe(400);
    const unknownTrigger = await post(
      `${s.url}/events/sailpoint?trigger=idn:nope`,
      JSON.stringify(aliceCreated),
      {
        authorization: "Bearer tok-123456",
      },
    );
    expect(unknownTrigger.status).toBe(400);
    await nothingStored(s);
  });
});
