import { TimeSlice } from "../../bot/timeSlice";
import type { InboxCursor, Store } from "../../integrations/store/store";
import type { IamEvent, Identity } from "../model";
import { normalizeRecord } from "../normalize";
import type { AnomalyConfig } from "./anomalyConfig";
import type { AnomalyModel } from "./anomalyModel";
import { saveBaselines, saveModel } from "./anomalyStore";
import { DAY_MS } from "./eventKeys";
import { ReorderBuffer } from "./reorderBuffer";
import type { TrainOptions, TrainResult } from "./trainModel";
import { ModelTrainer, trainModel } from "./trainModel";

/**
 * Training against the store: the history is the inbox's processed records (the raw events
 * as received), the identities give peer groups, and the trained model is stored as a new
 * version and made current. Used by the retraining cron, the on-demand retrain, and
 * `immune train` (from the inbox, or from files).
 */

/** At most this many inbox records are read for one training run. */
export const MAX_TRAINING_EVENTS = 2_000_000;

export type AnomalyTrainingConfig = Pick<
  AnomalyConfig,
  "ANOMALY_BASELINE_DAYS" | "ANOMALY_TRAINING_DAYS" | "ANOMALY_TREES" | "ANOMALY_SAMPLE" | "ANOMALY_SEED"
> &
  Partial<Pick<AnomalyConfig, "ANOMALY_MIN_HISTORY_EVENTS">>;

/** Records read from the inbox per page: a page's payloads are all the events held at once. */
export const INBOX_PAGE_SIZE = 5_000;
/**
 * How late (behind the newest event read) an event may arrive and still be trained in time
 * order. CloudTrail files arrive some 5-15 minutes after the calls, Pub/Sub pushes within
 * seconds, or up to 10 minutes apart when retried; an hour covers both with room, and holds
 * an hour of events (a few thousand in a large organisation).
 */
export const REORDER_HORIZON_MS = 60 * 60_000;
/** At most this many events wait to be put back in time order. */
export const MAX_REORDER_EVENTS = 100_000;

export interface InboxTrainingOptions {
  now: Date;
  identities?: Identity[];
  pageSize?: number;
  /** At most this many records are read. */
  limit?: number;
  reorderHorizonMs?: number;
  maxReorderEvents?: number;
}

export interface InboxTrainResult extends TrainResult {
  /** Records read from the inbox. */
  read: number;
  /** Records that did not parse or normalize. */
  skipped: number;
  /** Events that arrived more than the reorder horizon late, trained where they arrived. */
  late: number;
}

/**
 * Trains on the processed inbox records received within the training window, streamed: pages
 * of records in receive order, each normalized, put back in time order (ReorderBuffer) and fed
 * to the trainer, then dropped. Memory is one page plus the baselines and the row reservoir,
 * not the window (1M events held as an array took about 1.2 GB). Between pages, and every few
 * milliseconds within one, the event loop gets a turn, so a server keeps answering while it trains.
 */
export async function trainFromInbox(
  store: Store,
  cfg: AnomalyTrainingConfig,
  opts: InboxTrainingOptions,
): Promise<InboxTrainResult> {
  const now = opts.now;
  const pageSize = opts.pageSize ?? INBOX_PAGE_SIZE;
  const limit = opts.limit ?? MAX_TRAINING_EVENTS;
  const trainer = new ModelTrainer(trainOptions(cfg, { now, identities: opts.identities }));
  const nowMs = now.getTime();
  // The window: received after its start (the inbox's order), and happened within it.
  const fromMs = nowMs - cfg.ANOMALY_TRAINING_DAYS * DAY_MS;
  const since = new Date(fromMs);
  const reorder = new ReorderBuffer<IamEvent>(
    opts.reorderHorizonMs ?? REORDER_HORIZON_MS,
    opts.maxReorderEvents ?? MAX_REORDER_EVENTS,
    (e) => trainer.add(e),
  );
  const slice = new TimeSlice();
  let read = 0;
  let skipped = 0;
  let after: InboxCursor | undefined;
  while (read < limit) {
    const want = Math.min(pageSize, limit - read);
    const page = await store.listInbox({ status: "done", receivedAfter: since, limit: want, after });
    if (page.length === 0) break;
    read += page.length;
    const last = page[page.length - 1];
    after = { receivedAt: last.receivedAt, id: last.id };
    for (let i = 0; i < page.length; i++) {
      let event: IamEvent;
      try {
        event = normalizeRecord(JSON.parse(page[i].payload));
      } catch {
        skipped++;
        continue;
      }
      // Training reads the normalized fields only; the parsed record would be held while the
      // event waits in the reorder buffer.
      event.raw = undefined;
      const t = Date.parse(event.time);
      // Outside the window the trainer ignores an event anyway; a future one must not hold the
      // reorder buffer's clock.
      if (!(t < fromMs || t > nowMs)) reorder.push(event, t);
      if ((i & 63) === 63) await slice.pause();
    }
    if (page.length < want) break;
    await slice.pause();
  }
  reorder.flush();
  return { ...trainer.finish(), read, skipped, late: reorder.late };
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
  const result = trainModel(events, trainOptions(cfg, opts));
  const version = await saveModel(store, result.model);
  if (opts.saveState) await saveBaselines(store, result.state.takeDirtyDocs());
  return { ...result, version };
}

/** Trains on the inbox's window (trainFromInbox) and stores the model as the new current version. */
export async function retrainFromInbox(
  store: Store,
  cfg: AnomalyTrainingConfig,
  opts: InboxTrainingOptions,
): Promise<InboxTrainResult & { version: number }> {
  const result = await trainFromInbox(store, cfg, opts);
  return { ...result, version: await saveModel(store, result.model) };
}

/** The trainer's options from the configuration. */
export function trainOptions(
  cfg: AnomalyTrainingConfig,
  opts: { now?: Date; identities?: Identity[] } = {},
): TrainOptions {
  return {
    baselineDays: cfg.ANOMALY_BASELINE_DAYS,
    trainingDays: cfg.ANOMALY_TRAINING_DAYS,
    trees: cfg.ANOMALY_TREES,
    sample: cfg.ANOMALY_SAMPLE,
    seed: cfg.ANOMALY_SEED,
    minHistoryEvents: cfg.ANOMALY_MIN_HISTORY_EVENTS,
    identities: opts.identities,
    now: opts.now,
  };
}

/** One line about a model, for banners, logs and the CLI. */
export function describeModel(model: AnomalyModel): string {
  const w = model.trainingWindow;
  return `model v${model.version}: ${model.forest.params.trees} trees, ψ=${model.forest.psi}, trained ${model.createdAt} on ${w.events.toLocaleString("en-US")} events (${w.rows.toLocaleString("en-US")} rows, ${w.from.slice(0, 10)}..${w.to.slice(0, 10)})`;
}
