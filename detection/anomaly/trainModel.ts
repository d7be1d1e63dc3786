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
  /** featureMs: from the first event to the fit (for a stream, reading included). */
  stats: { events: number; rows: number; featureMs: number; fitMs: number };
  rows?: Float64Array;
}

/**
 * Trains a model on `events` (an array is sorted by time; any other iterable must already be in
 * time order).
 */
export function trainModel(events: Iterable<IamEvent>, opts: TrainOptions = {}): TrainResult {
  const trainer = new ModelTrainer(opts);
  for (const event of Array.isArray(events) ? inTimeOrder(events as IamEvent[]) : events) trainer.add(event);
  return trainer.finish();
}

/**
 * The same training, fed one event at a time (in time order), so a caller can stream history
 * from the store page by page instead of holding it all: memory is the baselines and the row
 * reservoir, never the events.
 */
export class ModelTrainer {
  private readonly baselineDays: number;
  private readonly trainingDays: number;
  private readonly seed: number;
  private readonly maxRows: number;
  private readonly nowMs: number | undefined;
  private readonly fromMs: number | undefined;
  private readonly warmupMs: number;
  private readonly state: AnomalyState;
  private readonly rows: Float64Array;
  private readonly scratch = new Float64Array(N_FEATURES);
  private readonly rng: () => number;
  // Warm-up runs from the first event kept, not the window start: a history shorter than the
  // window still gets its warm-up.
  private first: number | undefined;
  private last = 0;
  private seen = 0;
  private eligible = 0;
  /** When the first event came: the feature pass is timed from it to finish(). */
  private startedAt: number | undefined;

  constructor(private readonly opts: TrainOptions = {}) {
    this.baselineDays = opts.baselineDays ?? 30;
    this.trainingDays = opts.trainingDays ?? 90;
    this.seed = opts.seed ?? 1;
    this.maxRows = opts.maxRows ?? 65_536;
    this.nowMs = opts.now?.getTime();
    this.fromMs = this.nowMs !== undefined ? this.nowMs - this.trainingDays * DAY_MS : undefined;
    this.state = new AnomalyState({
      baselineDays: this.baselineDays,
      minHistoryEvents: opts.minHistoryEvents,
    });
    for (const id of opts.identities ?? []) this.state.setIdentity(id);
    this.rows = new Float64Array(this.maxRows * N_FEATURES);
    this.rng = mulberry32(this.seed ^ 0x5bd1e995);
    this.warmupMs = Math.min(this.baselineDays, this.trainingDays / 3) * DAY_MS;
  }

  add(event: IamEvent): void {
    this.startedAt ??= performance.now();
    // One parse of the event per training pass: its keys (time included) serve the window
    // checks, the features and the baseline update.
    const k = eventKeys(event);
    const t = k.t;
    if (this.fromMs !== undefined && t < this.fromMs) return;
    if (this.nowMs !== undefined && t > this.nowMs) return;
    if (this.first === undefined) this.first = t;
    this.seen++;
    if (t > this.last) this.last = t;
    if (t - this.first < this.warmupMs) {
      this.state.observe(event, k);
      return;
    }
    // Reservoir sampling (Algorithm R): row i replaces a kept row with probability maxRows/i.
    const { state, rows, maxRows } = this;
    if (this.eligible < maxRows) {
      state.extractAndObserve(event, rows, this.eligible * N_FEATURES, k);
    } else {
      const j = randInt(this.rng, this.eligible + 1);
      if (j < maxRows) state.extractAndObserve(event, rows, j * N_FEATURES, k);
      else state.extractAndObserve(event, this.scratch, 0, k);
    }
    this.eligible++;
  }

  /** Fits the forest on the rows kept; throws when there is not enough history. */
  finish(): TrainResult {
    const { seen, warmupMs, trainingDays, baselineDays, nowMs, fromMs, first, last, rows, state } = this;
    const featureMs = this.startedAt === undefined ? 0 : performance.now() - this.startedAt;
    const nRows = Math.min(this.eligible, this.maxRows);
    if (nRows < 2) {
      throw new Error(
        `not enough history to train: ${seen} events, ${nRows} after the ${Math.round(warmupMs / DAY_MS)}-day warm-up`,
      );
    }
    const t1 = performance.now();
    const forest = IsolationForest.fit(rows, nRows, N_FEATURES, {
      trees: this.opts.trees ?? 100,
      sample: this.opts.sample ?? 256,
      seed: this.seed,
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
      ...(this.opts.returnRows ? { rows: rows.slice(0, nRows * N_FEATURES) } : {}),
    };
  }
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
