import type { FeatureContext, ServerFeature } from "../../bot/serverFeature";
import type { AnomalyModel } from "./anomalyModel";
import { StateAnomalyScorer } from "./anomalyScorer";
import { AnomalyState } from "./anomalyState";
import { loadBaselines, loadModel, prepareActors, saveAnomalyState } from "./anomalyStore";
import { describeModel, loadIdentities, retrainFromInbox } from "./retrainFromStore";
import { scheduleRetraining } from "./retraining";

/**
 * The anomaly model in the server. At install it loads the stored baselines and current model
 * and hands the pipeline a scorer (ctx.anomaly), which scores each event against the actor's
 * baseline, then learns it. The baselines that changed are written back every
 * ANOMALY_SAVE_EVERY_SECONDS and at shutdown, not after every batch: a busy peer-group baseline
 * changes with nearly every event, and rewriting it per batch cost more than the detection.
 * After a save, actors idle beyond ANOMALY_ACTOR_IDLE_MINUTES (or beyond ANOMALY_ACTORS_IN_MEMORY)
 * leave memory; before a batch is scored the baselines of its actors not in memory are read
 * back. A model another replica or `immune train` stored is picked up. Retraining
 * runs on ANOMALY_RETRAIN_CRON from the inbox's processed history; a lease in the store lets
 * one replica train per schedule tick.
 */

/** How often the feature looks for a newer current model in the store. */
const MODEL_CHECK_MS = 60_000;

export interface AnomalyFeature extends ServerFeature {
  /** The live baselines and model, once installed (for /immune status, tests, on-demand retrain). */
  readonly state: AnomalyState | undefined;
  /** Trains from the inbox now, stores the model as a new version and swaps it in. */
  retrainNow(now?: Date): Promise<AnomalyModel>;
}

export function anomalyFeature(): AnomalyFeature {
  let state: AnomalyState | undefined;
  let ctxRef: FeatureContext | undefined;

  const retrain = async (now = new Date()): Promise<AnomalyModel> => {
    const ctx = ctxRef;
    if (!ctx || !state) throw new Error("anomaly feature is not installed");
    const cfg = ctx.config;
    const identities = await loadIdentities(ctx.store);
    for (const id of identities) state.setIdentity(id);
    const t0 = performance.now();
    const result = await retrainFromInbox(ctx.store, cfg, { now, identities });
    state.setModel(result.model);
    ctx.metrics.modelAge.set(0);
    ctx.logger.info(
      {
        version: result.version,
        records: result.read,
        events: result.stats.events,
        skipped: result.skipped,
        late: result.late,
        ms: Math.round(performance.now() - t0),
      },
      "anomaly model retrained",
    );
    return result.model;
  };

  return {
    name: "anomaly",
    get state() {
      return state;
    },
    retrainNow: retrain,
    async install(ctx) {
      ctxRef = ctx;
      const cfg = ctx.config;
      let model: AnomalyModel | undefined;
      try {
        model = (await loadModel(ctx.store)) ?? undefined;
      } catch (err) {
        // A model of another feature schema (or a corrupt document) must not stop the server:
        // baselines still learn, and the next training replaces the model.
        ctx.warn(
          `anomaly: stored model not usable (${(err as Error).message}); scoring is off until retrained`,
        );
      }
      const live = new AnomalyState({
        baselineDays: cfg.ANOMALY_BASELINE_DAYS,
        minHistoryEvents: cfg.ANOMALY_MIN_HISTORY_EVENTS,
        maxActors: cfg.ANOMALY_ACTORS_IN_MEMORY,
        actorIdleMs: cfg.ANOMALY_ACTOR_IDLE_MINUTES * 60_000,
        model,
      });
      live.load(await loadBaselines(ctx.store, { maxActors: cfg.ANOMALY_ACTORS_IN_MEMORY }));
      state = live;
      for (const id of await loadIdentities(ctx.store)) live.setIdentity(id);
      // Only recently active actors stay in memory; the others are read back before their events.
      ctx.anomaly = new StateAnomalyScorer(live, cfg.ANOMALY_INCIDENT_THRESHOLD, (ids) =>
        prepareActors(ctx.store, live, ids),
      );

      const modelAgeSeconds = () =>
        live.model ? Math.max(0, (Date.now() - Date.parse(live.model.createdAt)) / 1000) : -1;
      ctx.metrics.modelAge.set(modelAgeSeconds());
      ctx.metrics.anomalyBaselines.set(live.actorCount);
      ctx.status.push({
        integrations: async () => [
          {
            name: "anomaly model",
            connected: !!live.model,
            detail: live.model ? describeModel(live.model) : "not trained yet (immune train)",
          },
        ],
        modelTrainedAt: async () => live.model?.createdAt,
      });

      // Saves run one after another, so an older copy of a baseline never lands after a newer one.
      const saveEveryMs = cfg.ANOMALY_SAVE_EVERY_SECONDS * 1000;
      let lastSave = Date.now();
      let saving: Promise<unknown> = Promise.resolve();
      const save = (): Promise<unknown> => {
        lastSave = Date.now();
        saving = saving
          .catch(() => undefined)
          .then(() => saveAnomalyState(ctx.store, live))
          .finally(() => ctx.metrics.anomalyBaselines.set(live.actorCount));
        return saving;
      };
      let saveTimer: NodeJS.Timeout | undefined;
      let lastCheck = Date.now();
      ctx.onEvents(async () => {
        if (Date.now() - lastSave >= saveEveryMs) await save();
        if (Date.now() - lastCheck < MODEL_CHECK_MS) return;
        lastCheck = Date.now();
        await adoptNewerModel(ctx, live);
        ctx.metrics.modelAge.set(modelAgeSeconds());
      });

      let job: { stop: () => void } | undefined;
      ctx.onStart(async () => {
        if (saveEveryMs > 0) {
          // Also when no batch comes: what the last batches learnt reaches the store.
          saveTimer = setInterval(() => {
            if (Date.now() - lastSave < saveEveryMs) return;
            save().catch((err) =>
              ctx.logger.warn({ error: (err as Error).message }, "anomaly: could not save baselines"),
            );
          }, saveEveryMs);
          saveTimer.unref();
        }
        job = scheduleRetraining(
          cfg.ANOMALY_RETRAIN_CRON,
          async () => {
            const now = new Date();
            const tick = now.toISOString().slice(0, 16);
            if (!(await ctx.store.create("leases", `anomaly-retrain:${tick}`, { at: now.toISOString() }))) {
              return; // another replica trains this tick; its model is adopted on the next check
            }
            await retrain(now);
          },
          {
            onError: (err) =>
              ctx.logger.warn(
                { error: (err as Error).message },
                "anomaly retraining failed; keeping the model",
              ),
          },
        );
      });
      ctx.onStop(async () => {
        job?.stop();
        if (saveTimer) clearInterval(saveTimer);
        await save();
      });

      ctx.announce(
        live.model
          ? `anomaly: ${describeModel(live.model)}; ${live.actorCount} recently active actor baselines loaded; retrains at "${cfg.ANOMALY_RETRAIN_CRON}"`
          : `anomaly: baselines learning (${live.actorCount} recently active actors loaded), no model yet: run immune train or wait for "${cfg.ANOMALY_RETRAIN_CRON}"`,
      );
    },
  };
}

/** Swaps in the store's current model when it is newer than the one in use. */
async function adoptNewerModel(ctx: FeatureContext, state: AnomalyState): Promise<void> {
  const current = await ctx.store.get<{ version: number }>("models", "anomaly.current");
  const version = current?.data.version;
  if (version === undefined || version === state.model?.version) return;
  try {
    const model = await loadModel(ctx.store, version);
    if (model) {
      state.setModel(model);
      ctx.logger.info({ version }, "anomaly model updated from the store");
    }
  } catch (err) {
    ctx.logger.warn({ version, error: (err as Error).message }, "stored anomaly model not usable");
  }
}
