import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsPublicBucketPolicyRecord, eventBridge } from "../helpers/fixtures";
import type { TestServer } from "../helpers/server";
import { postJson, startTestServer } from "../helpers/server";

/**
 * When the store cannot take a write, the webhook must not say 2xx: it answers 503 with
 * Retry-After, so EventBridge or Pub/Sub redeliver, and the redelivery is accepted once the
 * store is back. The fault here is real: another process holds SQLite's write lock past the
 * store's busy timeout.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({}, { startWorker: false });
});
afterAll(async () => {
  await t.close();
});

describe("a store write failure", () => {
  it("answers 503 so the sender redelivers, and accepts the redelivery once the store is back", async () => {
    const event = eventBridge(
      awsPublicBucketPolicyRecord({ eventID: "c7d8e9f0-1111-4222-8333-444455556666" }),
    );
    const blocker = new Database(join(t.dataDir, "immune.db"));
    blocker.exec("BEGIN EXCLUSIVE");
    let res: Awaited<ReturnType<typeof postJson>>;
    try {
      res = await postJson(`${t.url}/events/aws`, event);
    } finally {
      blocker.exec("ROLLBACK");
      blocker.close();
    }
    expect(res.status).toBe(503);
    expect(String(res.json.error)).toMatch(/store unavailable/);
    expect((await t.server.store.inboxCounts()).pending).toBe(0);

    const again = await postJson(`${t.url}/events/aws`, event);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await t.server.store.inboxCounts()).pending).toBe(1);
  }, 20_000);
});
