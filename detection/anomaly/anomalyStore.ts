import { TimeSlice } from "../../bot/timeSlice";
import type { Store } from "../../integrations/store/store";
import { mutate } from "../../integrations/store/store";
import type { AnomalyModelDoc } from "./anomalyModel";
import { AnomalyModel } from "./anomalyModel";
import type { AnomalyStateOptions } from "./anomalyState";
import { AnomalyState } from "./anomalyState";
import type { BaselineDoc } from "./baseline";

/**
 * Loading and saving the anomaly model's state through the Store (the only I/O of this
 * folder, kept to these few functions that take the store as an argument).
 *
 * - `baselines/<scope>:<key>`: one document per actor or peer group (key URI-encoded, since
 *   ARNs contain "/" and Firestore ids may not).
 * - `models/anomaly.v<N>`: every trained model, with its training window and feature schema;
 *   `models/anomaly.current` names the version in use. A new version is written before the
 *   pointer moves, so a reader never sees a pointer to a missing model.
 */

const COUNTER = "anomaly.counter";
const CURRENT = "anomaly.current";

export function baselineDocId(doc: Pick<BaselineDoc, "scope" | "key">): string {
  return `${doc.scope}:${encodeURIComponent(doc.key)}`;
}

export async function saveBaselines(store: Store, docs: BaselineDoc[]): Promise<void> {
  // Hundreds of baselines saved in one go would otherwise hold every webhook meanwhile.
  const slice = new TimeSlice();
  for (const doc of docs) {
    await store.set("baselines", baselineDocId(doc), doc);
    await slice.pause();
  }
}

/**
 * Stored baselines: every one, or with `maxActors` every peer group and the maxActors most
 * recently active actors (least recent first, the order AnomalyState.load wants), so a start
 * does not read every principal ever seen into memory.
 */
export async function loadBaselines(store: Store, opts: { maxActors?: number } = {}): Promise<BaselineDoc[]> {
  const max = opts.maxActors;
  if (max === undefined || !Number.isFinite(max)) {
    return (await store.query<BaselineDoc>("baselines")).map((d) => d.data);
  }
  const peers = (
    await store.query<BaselineDoc>("baselines", { where: [{ field: "scope", op: "==", value: "peer" }] })
  ).map((d) => d.data);
  // One field ordered, no filter: no composite index needed on Firestore. Peers are skipped.
  const recent = await store.query<BaselineDoc>("baselines", {
    orderBy: { field: "lastSeen", direction: "desc" },
    limit: max + peers.length,
  });
  const actors = recent
    .map((d) => d.data)
    .filter((d) => d.scope === "actor")
    .slice(0, max)
    .reverse();
  return [...peers, ...actors];
}

/** The stored baselines of these actors (those that have one). */
export async function loadActorBaselines(store: Store, actorIds: readonly string[]): Promise<BaselineDoc[]> {
  const docs = await Promise.all(
    actorIds.map((key) => store.get<BaselineDoc>("baselines", baselineDocId({ scope: "actor", key }))),
  );
  return docs.flatMap((d) => (d ? [d.data] : []));
}

/**
 * Brings back from the store the baselines of the events' actors that are not in memory
 * (evicted, or not loaded at start), so they are scored against their own history.
 */
export async function prepareActors(
  store: Store,
  state: AnomalyState,
  actorIds: Iterable<string>,
): Promise<number> {
  const missing = state.missingActors(actorIds);
  if (missing.length === 0) return 0;
  const docs = await loadActorBaselines(store, missing);
  state.adopt(docs);
  return docs.length;
}

/** Stores the model as a new version, makes it current, and returns the version number. */
export async function saveModel(store: Store, model: AnomalyModel): Promise<number> {
  const counter = await mutate<{ latest: number }>(store, "models", COUNTER, (cur) => ({
    latest: (cur?.latest ?? 0) + 1,
  }));
  const version = counter?.data.latest ?? 1;
  model.version = version;
  await store.set("models", `anomaly.v${version}`, model.toDoc());
  await mutate<{ version: number; at: string }>(store, "models", CURRENT, (cur) =>
    cur && cur.version > version ? undefined : { version, at: model.createdAt },
  );
  return version;
}

/** The current model (or a given version); null when none was trained yet. */
export async function loadModel(store: Store, version?: number): Promise<AnomalyModel | null> {
  const v = version ?? (await store.get<{ version: number }>("models", CURRENT))?.data.version;
  if (v === undefined) return null;
  const doc = await store.get<AnomalyModelDoc>("models", `anomaly.v${v}`);
  return doc ? AnomalyModel.fromDoc(doc.data) : null;
}

/** Baselines and current model, ready for the pipeline. */
export async function loadAnomalyState(store: Store, opts: AnomalyStateOptions = {}): Promise<AnomalyState> {
  const model = opts.model ?? (await loadModel(store)) ?? undefined;
  const state = new AnomalyState({ ...opts, model });
  state.load(await loadBaselines(store, { maxActors: opts.maxActors }));
  return state;
}

/**
 * Persists the baselines that changed since the last save, then lets the state evict idle
 * actors (AnomalyState.release). A failed save leaves them unsaved, so they stay in memory
 * and the next save writes them.
 */
export async function saveAnomalyState(
  store: Store,
  state: AnomalyState,
  nowMs = Date.now(),
): Promise<number> {
  const docs = state.takeDirtyDocs();
  try {
    await saveBaselines(store, docs);
  } catch (err) {
    state.markUnsaved(docs);
    throw err;
  }
  state.release(nowMs);
  return docs.length;
}
