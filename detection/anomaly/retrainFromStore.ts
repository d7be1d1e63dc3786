import type { Store } from "../../integrations/store/store";
import type { IamEvent, Identity } from "../model";
import { normalizeRecord } from "../normalize";
import type { AnomalyConfig } from "./anomalyConfig";
import type { AnomalyModel } from "./anomalyModel";
import { saveBaselines, saveModel } from "./anomalyStore";
import type { TrainResult } from "./trainModel";
import { trainModel } from "./trainModel";

/**
 * Training against the store: the history is the inbox's processed records (the raw events
 * as received), the identities give peer groups, and the trained model is stored as a new
 * version and made current. Used by the retraining cron, the on-demand retrain, and
 * `immune train` (which reads files instead of the inbox).
 */

/** At most this many inbox records are read for one training run. */
export const MAX_TRAINING_EVENTS = 2_000_000;

export type AnomalyTrainingConfig = Pick<
  AnomalyConfig,
  "ANOMALY_BASELINE_DAYS" | "ANOMALY_TRAINING_DAYS" | "ANOMALY_TREES" | "ANOMALY_SAMPLE" | "ANOMALY_SEED"
> &
  Partial<Pick<AnomalyConfig, "ANOMALY_MIN_HISTORY_EVENTS">>;

/** Processed inbox records received within the last `days`, normalized, in time order. */
export async function historyFromInbox(
  store: Store,
  days: number,
  now: Date,
  limit = MAX_TRAINING_EVENTS,
): Promise<{ events: IamEvent[]; skipped: number }> {
  const since = new Date(now.getTime() - days * 86_400_000);
  const records = await store.listInbox({ status: "done", receivedAfter: since, limit });
  const events: IamEvent[] = [];
  let skipped = 0;
  for (const r of records) {
    try {
      events.push(normalizeRecord(JSON.parse(r.payload)));
    } catch {
      skipped++;
    }
  }
  return { events, skipped };
}

export async function loadIdentities(store: Store): Promise<Identity[]> {
  return (await store.query<Identity>("identities", { limit: 100_000 })).map((d) => d.data);
}

/**
 * Trains on `events` with the configured window and forest, then stores the model as the new
 * current version (and, with `saveState`, the baselines as of the end of the window).
 */
export async function trainAndSave(
  store: Store,
  events: IamEvent[],
  cfg: AnomalyTrainingConfig,
  opts: { now?: Date; identities?: Identity[]; saveState?: boolean } = {},
): Promise<TrainResult & { version: number }> {
  const result = trainModel(events, {
    baselineDays: cfg.ANOMALY_BASELINE_DAYS,
    trainingDays: cfg.ANOMALY_TRAINING_DAYS,
    trees: cfg.ANOMALY_TREES,
    sample: cfg.ANOMALY_SAMPLE,
    seed: cfg.ANOMALY_SEED,
    minHistoryEvents: cfg.ANOMALY_MIN_HISTORY_EVENTS,
    identities: opts.identities,
    now: opts.now,
  });
  const version = await saveModel(store, result.model);
  if (opts.saveState) await saveBaselines(store, result.state.takeDirtyDocs());
  return { ...result, version };
}

/** One line about a model, for banners, logs and the CLI. */
export function describeModel(model: AnomalyModel): string {
  const w = model.trainingWindow;
  return `model v${model.version}: ${model.forest.params.trees} trees, ψ=${model.forest.psi}, trained ${model.createdAt} on ${w.events.toLocaleString("en-US")} events (${w.rows.toLocaleString("en-US")} rows, ${w.from.slice(0, 10)}..${w.to.slice(0, 10)})`;
}
