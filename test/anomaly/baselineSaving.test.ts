import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { anomalyFeature } from "../../detection/anomaly/anomalyFeature";
import { baselineDocId } from "../../detection/anomaly/anomalyStore";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import { waitUntil } from "../helpers/childServer";
import { gcpPublicBucketEntry, pubSubPush } from "../helpers/fixtures";
import type { TestServer } from "../helpers/server";
import { postJson } from "../helpers/server";
import { serversPerTest } from "../helpers/serversPerTest";

/**
 * Learnt baselines reach the store every ANOMALY_SAVE_EVERY_SECONDS and at shutdown, not after
 * every batch (rewriting busy peer-group baselines per batch cost more than detection).
 */
const servers = serversPerTest();

const actorDoc = (principal: string) => baselineDocId({ scope: "actor", key: principal });

async function postOne(server: TestServer, principal: string): Promise<void> {
  const res = await postJson(`${server.url}/events/gcp`, pubSubPush(gcpPublicBucketEntry({ principal })));
  expect(res.status).toBe(200);
  const store = server.server.store;
  await waitUntil("the event to be processed", async () => (await store.inboxCounts()).done >= 1, 10_000);
}

describe("anomaly baselines in the store", () => {
  it("are written within ANOMALY_SAVE_EVERY_SECONDS while the server runs", async () => {
    const t = await servers.start(
      { ANOMALY_SAVE_EVERY_SECONDS: "1" },
      { features: [anomalyFeature()], consoleWrite: () => {} },
    );
    await postOne(t, "mallory@example.com");
    const store = t.server.store;
    const doc = await waitUntil(
      "the baseline in the store",
      () => store.get<{ events: number }>("baselines", actorDoc("mallory@example.com")),
      5_000,
    );
    expect(doc.data.events).toBe(1);
  });

  it("are not rewritten per batch, and what was learnt is saved at shutdown", async () => {
    const dataDir = servers.dataDir("immune-baselines-");
    const t = await servers.start(
      { ANOMALY_SAVE_EVERY_SECONDS: "3600" },
      { dataDir, features: [anomalyFeature()], consoleWrite: () => {} },
    );
    await postOne(t, "trudy@example.com");
    expect(await t.server.store.get("baselines", actorDoc("trudy@example.com"))).toBeNull();
    await t.close();
    const store = new SqliteStore(join(dataDir, "immune.db"));
    try {
      const doc = await store.get<{ events: number }>("baselines", actorDoc("trudy@example.com"));
      expect(doc?.data.events).toBe(1);
    } finally {
      await store.close();
    }
  });
});
