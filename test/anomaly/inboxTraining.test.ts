import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY, generateOrg, orgEvents, toLogEntry } from "../../bench/syntheticOrg";
import { train } from "../../bin/train";
import { loadConfig } from "../../bot/config";
import { anomalyFeature } from "../../detection/anomaly/anomalyFeature";
import { loadModel } from "../../detection/anomaly/anomalyStore";
import { mulberry32 } from "../../detection/anomaly/prng";
import { ReorderBuffer } from "../../detection/anomaly/reorderBuffer";
import type { AnomalyTrainingConfig } from "../../detection/anomaly/retrainFromStore";
import { trainFromInbox, trainOptions } from "../../detection/anomaly/retrainFromStore";
import { trainModel } from "../../detection/anomaly/trainModel";
import type { IamEvent } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { SqliteStore } from "../../integrations/store/sqliteStore";
import type { NewInboxRecord } from "../../integrations/store/store";
import { startTestServer } from "../helpers/server";

/**
 * Retraining streams the inbox page by page instead of loading the window. For the same history
 * it must give the model the array path gives (the inbox read whole, normalized, sorted by
 * time, trained), although the inbox holds events in the order they were delivered: CloudTrail
 * files every five minutes, each a few minutes late, so delivery order is not event order and
 * whole files share one receive time.
 */
const org = generateOrg({ identities: 40, days: 45, seed: 9 });
const events = orgEvents(org, 0, 45);
const now = new Date(org.start + 45 * DAY);
const cfg: AnomalyTrainingConfig = {
  ANOMALY_BASELINE_DAYS: 10,
  ANOMALY_TRAINING_DAYS: 40,
  ANOMALY_TREES: 25,
  ANOMALY_SAMPLE: 128,
  ANOMALY_SEED: 5,
};
const FIVE_MIN = 5 * 60_000;

function deliveries(list: IamEvent[], seed: number): NewInboxRecord[] {
  const rnd = mulberry32(seed);
  return list.map((e) => {
    // The file closes at the next five-minute mark and arrives 0-15 minutes later.
    const t = Date.parse(e.time);
    const file = Math.ceil((t + 1) / FIVE_MIN) * FIVE_MIN + Math.floor(rnd() * 3) * FIVE_MIN;
    return {
      id: `gcp:${e.id}`,
      source: "gcp",
      payload: JSON.stringify(toLogEntry(e)),
      receivedAt: new Date(file),
    };
  });
}

async function fill(store: SqliteStore, records: NewInboxRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 2000) {
    const chunk = records.slice(i, i + 2000);
    await store.putInbox(chunk);
    await store.completeInbox(
      chunk.map((r) => r.id),
      now,
    );
  }
}

/** The way retraining worked before: the whole window as one array, then trainModel. */
async function arrayPath(store: SqliteStore, limit = 2_000_000) {
  const since = new Date(now.getTime() - cfg.ANOMALY_TRAINING_DAYS * DAY);
  const records = await store.listInbox({ status: "done", receivedAfter: since, limit });
  const list: IamEvent[] = [];
  let skipped = 0;
  for (const r of records) {
    try {
      list.push(normalizeRecord(JSON.parse(r.payload)));
    } catch {
      skipped++;
    }
  }
  return { result: trainModel(list, trainOptions(cfg, { now })), skipped, read: records.length };
}

let dir: string;
let store: SqliteStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "immune-inbox-training-"));
  store = new SqliteStore(join(dir, "immune.db"));
  const records = deliveries(events, 3);
  // Two deliveries that are not events at all, and one still pending: neither path trains them.
  records.push(
    { id: "gcp:garbled-1", source: "gcp", payload: "{not json", receivedAt: new Date(org.start + 20 * DAY) },
    { id: "gcp:garbled-2", source: "gcp", payload: '"a string"', receivedAt: new Date(org.start + 21 * DAY) },
  );
  await fill(store, records);
  await store.putInbox([{ ...records[100], id: "gcp:pending" }]);
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("training from the inbox, streamed", () => {
  it("delivers out of time order, yet gives the array path's model exactly, in pages", async () => {
    const receiveOrder = (await store.listInbox({ status: "done", limit: 1_000_000 })).map((r) => r.id);
    const timeOrder = events.map((e) => `gcp:${e.id}`);
    expect(receiveOrder.filter((id) => !id.includes("garbled"))).not.toEqual(timeOrder);

    const old = await arrayPath(store);
    const streamed = await trainFromInbox(store, cfg, { now, pageSize: 1000 });
    expect(streamed.read).toBe(old.read);
    expect(streamed.skipped).toBe(old.skipped);
    expect(streamed.skipped).toBeGreaterThan(0);
    expect(streamed.late).toBe(0);
    expect(streamed.stats.events).toBe(old.result.stats.events);
    expect(streamed.stats.rows).toBe(old.result.stats.rows);
    expect(JSON.stringify(streamed.model.toDoc())).toBe(JSON.stringify(old.result.model.toDoc()));
    // The baselines it ends with are the same too.
    expect(streamed.state.actorCount).toBe(old.result.state.actorCount);
  }, 60_000);

  it("trains events delivered beyond the reorder horizon where they arrived, counted, none lost", async () => {
    // A one-minute horizon: files arriving 5-15 minutes late are now "late".
    const streamed = await trainFromInbox(store, cfg, { now, pageSize: 1000, reorderHorizonMs: 60_000 });
    const old = await arrayPath(store);
    expect(streamed.late).toBeGreaterThan(0);
    expect(streamed.stats.events).toBe(old.result.stats.events);
    // Order matters: trained out of order, the baselines, and so the model, come out otherwise.
    expect(JSON.stringify(streamed.model.toDoc())).not.toBe(JSON.stringify(old.result.model.toDoc()));
  }, 60_000);

  it("reads at most the record limit, the oldest deliveries first", async () => {
    const limit = Math.floor(events.length * 0.7);
    const streamed = await trainFromInbox(store, cfg, { now, pageSize: 700, limit });
    const old = await arrayPath(store, limit);
    expect(streamed.read).toBe(limit);
    expect(JSON.stringify(streamed.model.toDoc())).toBe(JSON.stringify(old.result.model.toDoc()));
  }, 60_000);

  it("lets timers run while it trains", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await trainFromInbox(store, cfg, { now });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(10);
  }, 60_000);

  it("`immune train` without files trains from the inbox and stores the model as current", async () => {
    const config = loadConfig({
      DATA_DIR: dir,
      ANOMALY_BASELINE_DAYS: String(cfg.ANOMALY_BASELINE_DAYS),
      ANOMALY_TRAINING_DAYS: String(cfg.ANOMALY_TRAINING_DAYS),
      ANOMALY_TREES: String(cfg.ANOMALY_TREES),
      ANOMALY_SAMPLE: String(cfg.ANOMALY_SAMPLE),
      ANOMALY_SEED: String(cfg.ANOMALY_SEED),
    });
    const out: string[] = [];
    expect(await train(store, config, [], (l) => out.push(l), now)).toBe(0);
    const old = await arrayPath(store);
    expect(out[0]).toBe(
      `read ${old.read.toLocaleString("en-US")} records from the inbox (2 unreadable skipped)`,
    );
    const current = await loadModel(store);
    expect(current?.toDoc().forest).toEqual(old.result.model.toDoc().forest);
    expect(current?.trainingWindow).toEqual(old.result.model.trainingWindow);
  }, 60_000);
});

describe("retraining in the server", () => {
  it("retrains from the inbox, streamed, to the array path's model and swaps it in", async () => {
    const feature = anomalyFeature();
    const t = await startTestServer(
      {
        ANOMALY_BASELINE_DAYS: String(cfg.ANOMALY_BASELINE_DAYS),
        ANOMALY_TRAINING_DAYS: String(cfg.ANOMALY_TRAINING_DAYS),
        ANOMALY_TREES: String(cfg.ANOMALY_TREES),
        ANOMALY_SAMPLE: String(cfg.ANOMALY_SAMPLE),
        ANOMALY_SEED: String(cfg.ANOMALY_SEED),
      },
      { dataDir: dir, features: [feature], consoleWrite: () => undefined },
    );
    try {
      // The server works the record left pending first; then both paths see the same inbox.
      const until = Date.now() + 15_000;
      while ((await store.inboxCounts()).pending > 0 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      expect((await store.inboxCounts()).pending).toBe(0);
      const model = await feature.retrainNow(now);
      const old = await arrayPath(store);
      expect(model.toDoc().forest).toEqual(old.result.model.toDoc().forest);
      expect(model.trainingWindow).toEqual(old.result.model.trainingWindow);
      expect(feature.state?.model).toBe(model);
      expect((await loadModel(store))?.version).toBe(model.version);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe("ReorderBuffer", () => {
  const run = (items: { t: number; id: number }[], horizon: number, max = 1_000_000) => {
    const out: { t: number; id: number }[] = [];
    let most = 0;
    const b = new ReorderBuffer<{ t: number; id: number }>(horizon, max, (x) => out.push(x));
    for (const x of items) {
      b.push(x, x.t);
      most = Math.max(most, b.size);
    }
    b.flush();
    return { out, late: b.late, most };
  };

  it("restores a stable time order when nothing is later than the horizon", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 300 }), (lags) => {
        // Each item at most 60 behind the newest before it; many share a time.
        let newest = 0;
        const items = lags.map((lag, id) => {
          const t = Math.max(0, newest - lag + (id % 7 === 0 ? 40 : 0));
          newest = Math.max(newest, t);
          return { t, id };
        });
        const { out, late } = run(items, 60);
        expect(late).toBe(0);
        expect(out).toEqual([...items].sort((a, b) => a.t - b.t));
      }),
    );
  });

  it("passes a later item on where it arrived, once, and counts it", () => {
    const items = [0, 10, 100, 200, 30, 210].map((t, id) => ({ t, id }));
    const { out, late } = run(items, 50);
    expect(out.map((x) => x.t)).toEqual([0, 10, 100, 30, 200, 210]);
    expect(late).toBe(1);
  });

  it("never holds more than its bound", () => {
    const items = Array.from({ length: 1000 }, (_, id) => ({ t: 1000 - id, id }));
    const { out, most } = run(items, 1_000_000, 64);
    expect(most).toBeLessThanOrEqual(64);
    expect(out).toHaveLength(1000);
  });
});
