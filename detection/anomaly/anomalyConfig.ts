import { z } from "zod";
import { envInt, envNumber } from "../../bot/configSchema";

/**
 * The anomaly model's configuration section; bot/config.ts merges it into the one schema.
 */
export const anomalyConfigShape = {
  ANOMALY_BASELINE_DAYS: envInt(30, 1, 365).describe(
    "Days of history a behaviour baseline remembers: an IP, user agent, action or target not seen within it counts as new.",
  ),
  ANOMALY_TRAINING_DAYS: envInt(90, 1, 365).describe(
    "Days of history the Isolation Forest is trained on (the first ANOMALY_BASELINE_DAYS of it only warm up the baselines).",
  ),
  ANOMALY_TREES: envInt(100, 1, 1000).describe("Trees in the Isolation Forest (Liu et al. 2008: 100)."),
  ANOMALY_SAMPLE: envInt(256, 2, 16384).describe(
    "Sub-sample size ψ each tree is grown on (Liu et al. 2008: 256); tree height is limited to ceil(log2 ψ).",
  ),
  ANOMALY_SEED: envInt(1, 0, 4294967295).describe(
    "Seed of the training PRNG: the same seed and history give the same model.",
  ),
  ANOMALY_RETRAIN_CRON: z
    .string()
    .default("17 3 * * *")
    .describe(
      "When to retrain the model (node-cron expression, server time zone); `immune train` retrains on demand.",
    ),
  ANOMALY_INCIDENT_THRESHOLD: envNumber(0.7, 0, 1).describe(
    "Anomaly score (0..1) at or above which an anomaly alone opens an incident of category anomaly.",
  ),
  ANOMALY_MIN_HISTORY_EVENTS: envInt(30, 0).describe(
    "Events an identity needs in its own baseline before it is judged against itself; below that it is compared with its peer group.",
  ),
  ANOMALY_SAVE_EVERY_SECONDS: envInt(10, 0, 3600).describe(
    "How often learnt baselines are written to the store (and always at shutdown); 0 writes after every batch. A crash loses at most this much learning, which the next retraining rebuilds from the inbox.",
  ),
  ANOMALY_ACTORS_IN_MEMORY: envInt(10_000, 1).describe(
    "Most actor baselines the server keeps in memory (about 4 KB each): beyond it the least recently active leave memory once saved. Every baseline stays in the store and is read back before the actor's next event is scored, so scores do not change, only memory.",
  ),
  ANOMALY_ACTOR_IDLE_MINUTES: envInt(2, 0).describe(
    "Minutes without events after which an actor's baseline leaves memory once saved, so memory follows the recently active principals, not every principal ever seen. Its next event reads it back from the store (one read).",
  ),
} as const;

export const AnomalyConfigSchema = z.object({ ...anomalyConfigShape });
export type AnomalyConfig = z.infer<typeof AnomalyConfigSchema>;

/** Defaults, for tests, the bench and callers without a process config. */
export function defaultAnomalyConfig(): AnomalyConfig {
  return AnomalyConfigSchema.parse({});
}
