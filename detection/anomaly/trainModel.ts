import type { IamEvent, Identity } from "../model";
import { AnomalyModel } from "./anomalyModel";
import { AnomalyState } from "./anomalyState";
import { DAY_MS, eventKeys } from "./eventKeys";
import { N_FEATURES } from "./features";
import { IsolationForest } from "./isolationForest";
import { mulberry32, randInt } from "./prng";

/**
 * Training: replays history in time order through fresh baselines, so every event's features
 * are measured against what was known before it (as in production), and fits the forest on
 * those feature rows. The first `baselineDays` of the window (at most a third of it) only warm
 * the baselines up: early on everything is "new" and would teach the forest that novelty is normal.
 * At most `maxRows` rows are kept (reservoir sample, seeded): the forest draws ψ rows per tree
 * from them and the calibration quantiles are taken on them.
 */
export interface TrainOptions {
  baselineDays?: number;
  trainingDays?: number;
  trees?: number;
  sample?: number;
  seed?: number;
  minHistoryEvents?: number;
  /** End of the training window (default: the newest event). Events after it are ignored. */
  now?: Date;
  maxRows?: number;
  identities?: Iterable<Identity>;
  /** Return the training feature rows (row-major, N_FEATURES per row): benchmarks, oracle tests. */
  returnRows?: boolean;
}

export interface TrainResult {
  model: AnomalyModel;
  /** Baselines as of the end of the window, ready to score what comes next and to be saved. */
  state: AnomalyState;
  stats: { events: number; rows: number; featureMs: number; fitMs: number };
  rows?: Float64Array;
}

/**
 * Trains a model on `events` (an array is sorted by time; any other iterable must already be in
 * time order, e.g. a stream from the inbox).
 */
export function trainModel(events: Iterable<IamEvent>, opts: TrainOptions = {}): TrainResult {
  const baselineDays = opts.baselineDays ?? 30;
  const trainingDays = opts.trainingDays ?? 90;
  const seed = opts.seed ?? 1;
  const maxRows = opts.maxRows ?? 65_536;
  const nowMs = opts.now?.getTime();
  const fromMs = nowMs !== undefined ? nowMs - trainingDays * DAY_MS : undefined;
  const ordered = Array.isArray(events) ? inTimeOrder(events as IamEvent[]) : events;

  const state = new AnomalyState({ baselineDays, minHistoryEvents: opts.minHistoryEvents });
  for (const id of opts.identities ?? []) state.setIdentity(id);
  const rows = new Float64Array(maxRows * N_FEATURES);
  const scratch = new Float64Array(N_FEATURES);
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const warmupMs = Math.min(baselineDays, trainingDays / 3) * DAY_MS;
  // Warm-up runs from the first event kept, not the window start: a history shorter than the
  // window still gets its warm-up.
  let first: number | undefined;
  let last = 0;
  let seen = 0;
  let eligible = 0;
  const t0 = performance.now();
  for (const event of ordered) {
    // One parse of the event per training pass: its keys (time included) serve the window
    // checks, the features and the baseline update.
    const k = eventKeys(event);
    const t = k.t;
    if (fromMs !== undefined && t < fromMs) continue;
    if (nowMs !== undefined && t > nowMs) continue;
    if (first === undefined) first = t;
    seen++;
    if (t > last) last = t;
    if (t - first < warmupMs) {
      state.observe(event, k);
      continue;
    }
    // Reservoir sampling (Algorithm R): row i replaces a kept row with probability maxRows/i.
    if (eligible < maxRows) {
      state.extractAndObserve(event, rows, eligible * N_FEATURES, k);
    } else {
      const j = randInt(rng, eligible + 1);
      if (j < maxRows) state.extractAndObserve(event, rows, j * N_FEATURES, k);
      else state.extractAndObserve(event, scratch, 0, k);
    }
    eligible++;
  }
  const featureMs = performance.now() - t0;
  const nRows = Math.min(eligible, maxRows);
  if (nRows < 2) {
    throw new Error(
      `not enough history to train: ${seen} events, ${nRows} after the ${Math.round(warmupMs / DAY_MS)}-day warm-up`,
    );
  }
  const t1 = performance.now();
  const forest = IsolationForest.fit(rows, nRows, N_FEATURES, {
    trees: opts.trees ?? 100,
    sample: opts.sample ?? 256,
    seed,
    // Every feature is 0..1 (features.ts): guards let a feature constant in a sample still isolate.
    domain: { min: 0, max: 1 },
  });
  const raw = forest.scoreMany(rows, nRows).sort();
  const fitMs = performance.now() - t1;
  const model = new AnomalyModel(
    forest,
    {
      from: new Date(fromMs ?? first ?? 0).toISOString(),
      to: new Date(nowMs ?? last).toISOString(),
      trainingDays,
      baselineDays,
      events: seen,
      rows: nRows,
    },
    { median: raw[Math.floor(nRows * 0.5)], p99: raw[Math.min(nRows - 1, Math.floor(nRows * 0.99))] },
    new Date(nowMs ?? last).toISOString(),
  );
  state.setModel(model);
  return {
    model,
    state,
    stats: { events: seen, rows: nRows, featureMs, fitMs },
    ...(opts.returnRows ? { rows: rows.slice(0, nRows * N_FEATURES) } : {}),
  };
}

/** The array itself when already in time order (the usual case), else a sorted copy. */
function inTimeOrder(events: IamEvent[]): IamEvent[] {
  let prev = "";
  let sorted = true;
  for (const e of events) {
    // Normalized times are UTC ISO 8601 ("…Z"): two of the same length order as text, so the
    // common case needs no Date.parse; anything else is parsed.
    const text = e.time;
    const later =
      text.length === prev.length && text.endsWith("Z") && prev.endsWith("Z")
        ? text >= prev
        : !prev || !(Date.parse(text) < Date.parse(prev));
    if (!later) {
      sorted = false;
      break;
    }
    prev = text;
  }
  if (sorted) return events;
  return events
    .map((e) => ({ e, t: Date.parse(e.time) }))
    .sort((a, b) => a.t - b.t)
    .map((x) => x.e);
}
