import { describe, expect, it } from "vitest";
import { loadConfig } from "../../bot/config";
import { inboxRetentionFeature, retentionDays } from "../../bot/inboxRetentionFeature";
import { waitUntil } from "../helpers/childServer";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import { postJson } from "../helpers/server";
import { serversPerTest } from "../helpers/serversPerTest";

/** Processed inbox records are deleted after the retention; the store does not grow for good. */
const servers = serversPerTest();

describe("inbox retention", () => {
  it("never keeps less history than retraining reads, and 0 turns it off", () => {
    expect(retentionDays(loadConfig({}))).toBe(90);
    expect(retentionDays(loadConfig({ INBOX_RETENTION_DAYS: "7" }))).toBe(90);
    expect(retentionDays(loadConfig({ INBOX_RETENTION_DAYS: "7", ANOMALY_TRAINING_DAYS: "5" }))).toBe(7);
    expect(retentionDays(loadConfig({ INBOX_RETENTION_DAYS: "0" }))).toBe(0);
    expect(() => loadConfig({ INBOX_RETENTION_DAYS: "-1" })).toThrow(/INBOX_RETENTION_DAYS/);
  });

  it("deletes processed records older than the retention when the server starts, and keeps newer ones", async () => {
    const dataDir = servers.dataDir("immune-retention-");
    let t = await servers.start({}, { dataDir, features: [], consoleWrite: () => {} });
    for (const principal of ["a@example.com", "b@example.com"]) {
      const res = await postJson(`${t.url}/events/gcp`, pubSubPush(gcpPublicBucketEntry({ principal })));
      expect(res.status).toBe(200);
    }
    const first = t.server.store;
    await waitUntil("both events processed", async () => (await first.inboxCounts()).done === 2, 10_000);
    await t.close();

    // 89 days later: within the retention, nothing goes.
    const soon = new Date(Date.now() + 89 * 86_400_000);
    t = await servers.start(
      {},
      { dataDir, features: [inboxRetentionFeature({ now: () => soon })], consoleWrite: () => {} },
    );
    expect(t.server.announcements.join("\n")).toMatch(/inbox retention: processed records kept 90 days/);
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.server.store.inboxCounts()).done).toBe(2);
    await t.close();

    // 91 days later: both processed records are pruned at start.
    const later = new Date(Date.now() + 91 * 86_400_000);
    t = await servers.start(
      {},
      { dataDir, features: [inboxRetentionFeature({ now: () => later })], consoleWrite: () => {} },
    );
    const store = t.server.store;
    await waitUntil("the old records pruned", async () => (await store.inboxCounts()).done === 0, 10_000);
    expect(await store.inboxCounts()).toEqual({ pending: 0, done: 0, dead: 0 });
  });
});
