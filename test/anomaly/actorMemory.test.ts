import { beforeAll, describe, expect, it } from "vitest";
import { DAY, generateOrg, injectScenarios, orgEvents, toLogEntry } from "../../bench/syntheticOrg";
import { InboxProcessor } from "../../bot/processor";
import type { AnomalyModel } from "../../detection/anomaly/anomalyModel";
import { StateAnomalyScorer } from "../../detection/anomaly/anomalyScorer";
import { AnomalyState } from "../../detection/anomaly/anomalyState";
import {
  loadBaselines,
  prepareActors,
  saveAnomalyState,
  saveBaselines,
} from "../../detection/anomaly/anomalyStore";
import type { BaselineDoc } from "../../detection/anomaly/baseline";
import { trainModel } from "../../detection/anomaly/trainModel";
import { allDetectors } from "../../detection/detectors";
import type { IamEvent } from "../../detection/model";
import { SqliteStore } from "../../integrations/store/sqliteStore";

/**
 * A server keeps only recently active actors' baselines in memory (every principal that ever
 * acts gets one, so an unbounded map grows for good under a stream of new principals). An
 * evicted actor must come back from the store before its next event is scored, with exactly
 * the score it would have had if it had never left memory.
 */
const org = generateOrg({ identities: 40, days: 40, seed: 31 });
let model: AnomalyModel;
let trained: BaselineDoc[];
/** Four days after training, with attacks mixed in, in time order. */
let stream: IamEvent[];

beforeAll(() => {
  const result = trainModel(orgEvents(org, 0, 34), { trees: 50, seed: 3 });
  model = result.model;
  trained = result.state.toDocs();
  const attacks = injectScenarios(org, 35, 3).flatMap((s) => s.events);
  stream = [...orgEvents(org, 34, 38), ...attacks].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
});

function unbounded(): AnomalyState {
  const s = new AnomalyState({ model });
  s.load(structuredClone(trained));
  return s;
}

async function storeWithTrained(): Promise<SqliteStore> {
  const store = new SqliteStore(":memory:");
  await saveBaselines(store, structuredClone(trained));
  return store;
}

describe("actor baselines in memory", () => {
  it("holds at most maxActors after each save, and evicted actors score exactly as if kept", async () => {
    const store = await storeWithTrained();
    const bounded = new AnomalyState({ model, maxActors: 3 });
    bounded.load(await loadBaselines(store, { maxActors: 3 }));
    expect(bounded.actorCount).toBe(3);
    const reference = unbounded();
    const actors = new Set(stream.map((e) => e.actor.id));
    expect(actors.size).toBeGreaterThan(20);

    const t0 = Date.parse("2026-08-01T00:00:00Z");
    let reloaded = 0;
    let scored = 0;
    for (let i = 0; i < stream.length; i += 25) {
      const batch = stream.slice(i, i + 25);
      reloaded += await prepareActors(
        store,
        bounded,
        batch.map((e) => e.actor.id),
      );
      for (const e of batch) {
        const want = reference.process(e);
        const got = bounded.process(e);
        expect(got?.score, e.id).toBe(want?.score);
        expect(got?.reasons, e.id).toEqual(want?.reasons);
        if ((want?.score ?? 0) > 0) scored++;
      }
      await saveAnomalyState(store, bounded, t0 + i * 1000);
      expect(bounded.actorCount).toBeLessThanOrEqual(3);
    }
    // The stream really went through eviction and reloading, with real scores.
    expect(reloaded).toBeGreaterThan(actors.size);
    expect(bounded.evictedCount).toBeGreaterThan(actors.size);
    expect(scored).toBeGreaterThan(stream.length / 2);
    expect(reference.actorCount).toBeGreaterThan(20);
    await store.close();
  });

  it("evicts actors idle longer than actorIdleMs and keeps the active ones", async () => {
    const store = new SqliteStore(":memory:");
    const state = new AnomalyState({ model, actorIdleMs: 60_000 });
    const [a, b] = [...new Set(stream.map((e) => e.actor.id))];
    const byA = stream.find((e) => e.actor.id === a) as IamEvent;
    const byB = stream.filter((e) => e.actor.id === b);
    state.process(byA);
    state.process(byB[0]);
    const t0 = Date.parse("2026-08-01T00:00:00Z");
    await saveAnomalyState(store, state, t0);
    expect(state.actorCount).toBe(2);
    state.process(byB[1]);
    await saveAnomalyState(store, state, t0 + 61_000);
    expect(state.actorBaseline(a)).toBeUndefined();
    expect(state.actorBaseline(b)?.events).toBe(2);
    // a's learning is in the store, and comes back before its next event.
    expect(state.missingActors([a, b])).toEqual([a]);
    await prepareActors(store, state, [a]);
    expect(state.actorBaseline(a)?.events).toBe(1);
    await store.close();
  });

  it("never evicts a baseline whose save failed; the next save writes it, then it may go", async () => {
    const down = new SqliteStore(":memory:");
    await down.close();
    const state = new AnomalyState({ model, maxActors: 1 });
    const firstThree = [...new Map(stream.map((e) => [e.actor.id, e])).values()].slice(0, 3);
    for (const e of firstThree) state.process(e);
    await expect(saveAnomalyState(down, state, 1)).rejects.toThrow();
    expect(state.actorCount).toBe(3);
    const up = new SqliteStore(":memory:");
    expect(await saveAnomalyState(up, state, 2)).toBe(3 + 1); // three actors and their peer group
    expect(state.actorCount).toBe(1);
    const stored = await up.query("baselines", { where: [{ field: "scope", op: "==", value: "actor" }] });
    expect(stored).toHaveLength(3);
    await up.close();
  });

  it("starts with every peer group and only the most recently active actors", async () => {
    const store = await storeWithTrained();
    const docs = await loadBaselines(store, { maxActors: 5 });
    const actors = docs.filter((d) => d.scope === "actor");
    expect(docs.filter((d) => d.scope === "peer")).toHaveLength(
      trained.filter((d) => d.scope === "peer").length,
    );
    expect(actors).toHaveLength(5);
    const newest = trained
      .filter((d) => d.scope === "actor")
      .map((d) => d.lastSeen)
      .sort((x, y) => y - x);
    // Least recently active first: the order AnomalyState.load keeps as its eviction order.
    expect(actors.map((d) => d.lastSeen)).toEqual(newest.slice(0, 5).reverse());
    await store.close();
  });
});

describe("inbox worker with a bounded anomaly state", () => {
  /** Processes the stream through the real worker and returns each event's anomaly score. */
  async function run(maxActors?: number): Promise<{ scores: Map<string, number>; inMemory: number[] }> {
    const store = await storeWithTrained();
    const state = new AnomalyState({ model, ...(maxActors ? { maxActors } : {}) });
    state.load(await loadBaselines(store, { maxActors }));
    const scorer = new StateAnomalyScorer(state, 0.99, (ids) => prepareActors(store, state, ids));
    const scores = new Map<string, number>();
    const inMemory: number[] = [];
    const processor = new InboxProcessor({
      store,
      detectors: allDetectors,
      anomaly: scorer,
      batchSize: 30,
      leaseMs: 60_000,
      maxAttempts: 3,
      windowMs: 3_600_000,
      hooks: {
        onEvents: async (_events, analyses) => {
          for (const a of analyses) scores.set(a.event.id, a.anomalyScore);
          await saveAnomalyState(store, state);
          inMemory.push(state.actorCount);
        },
      },
    });
    const receivedAt = new Date(org.start + 40 * DAY);
    await store.putInbox(
      stream.map((e, i) => ({
        id: `gcp:${e.id}`,
        source: "gcp",
        payload: JSON.stringify(toLogEntry(e)),
        receivedAt: new Date(receivedAt.getTime() + i),
      })),
    );
    while ((await processor.drainOnce()) > 0) {}
    await store.close();
    return { scores, inMemory };
  }

  it("reads evicted actors back before scoring: every event scores as with every baseline kept", async () => {
    const kept = await run();
    const bounded = await run(2);
    expect(bounded.scores.size).toBe(stream.length);
    expect(bounded.scores).toEqual(kept.scores);
    expect([...kept.scores.values()].some((s) => s > 0)).toBe(true);
    expect(Math.max(...bounded.inMemory)).toBeLessThanOrEqual(2);
  });
});
