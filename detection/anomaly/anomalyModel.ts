import { z } from "zod";
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION, N_FEATURES } from "./features";
import type { SerializedForest } from "./isolationForest";
import { IsolationForest } from "./isolationForest";

/**
 * A trained anomaly model: the forest plus what a reader needs to trust it later — the
 * training window, the feature schema it was fitted on (a model for another schema is
 * refused), and a calibration of raw forest scores taken from its own training rows.
 *
 * Calibration: raw Isolation Forest scores crowd around 0.3–0.5 for ordinary points, so the
 * 0..1 score shown to people is a monotone piecewise-linear map through the training median
 * and 99th percentile: median → 0.3, p99 → 0.6, raw 1 → 1. Being monotone it changes no
 * ranking; it makes one threshold (ANOMALY_INCIDENT_THRESHOLD) mean the same for every model.
 */

export const AnomalyModelDocSchema = z.object({
  kind: z.literal("anomaly-model"),
  /** Version in the store (1, 2, …); 0 until saved. */
  version: z.number().int(),
  createdAt: z.string(),
  trainingWindow: z.object({
    from: z.string(),
    to: z.string(),
    trainingDays: z.number(),
    baselineDays: z.number(),
    events: z.number(),
    rows: z.number(),
  }),
  featureSchema: z.object({ version: z.number(), names: z.array(z.string()) }),
  calibration: z.object({ median: z.number(), p99: z.number() }),
  forest: z.custom<SerializedForest>(
    (v) =>
      typeof v === "object" &&
      v !== null &&
      (v as { format?: unknown }).format === "iam-immune/isolation-forest",
  ),
});
export type AnomalyModelDoc = z.infer<typeof AnomalyModelDocSchema>;
export type TrainingWindow = AnomalyModelDoc["trainingWindow"];

export class AnomalyModel {
  constructor(
    readonly forest: IsolationForest,
    readonly trainingWindow: TrainingWindow,
    readonly calibration: { median: number; p99: number },
    readonly createdAt: string,
    public version = 0,
  ) {
    if (forest.nFeatures !== N_FEATURES) {
      throw new Error(`anomaly model has ${forest.nFeatures} features, this code extracts ${N_FEATURES}`);
    }
  }

  /** Raw forest score mapped to 0..1 (see the calibration note above). */
  calibrate(raw: number): number {
    const { median, p99 } = this.calibration;
    if (raw <= median) return median > 0 ? 0.3 * (raw / median) : 0;
    if (raw <= p99) return 0.3 + (0.3 * (raw - median)) / Math.max(1e-9, p99 - median);
    return Math.min(1, 0.6 + (0.4 * (raw - p99)) / Math.max(1e-9, 1 - p99));
  }

  toDoc(): AnomalyModelDoc {
    return {
      kind: "anomaly-model",
      version: this.version,
      createdAt: this.createdAt,
      trainingWindow: { ...this.trainingWindow },
      featureSchema: { version: FEATURE_SCHEMA_VERSION, names: [...FEATURE_NAMES] },
      calibration: { ...this.calibration },
      forest: this.forest.toJSON(),
    };
  }

  static fromDoc(raw: unknown): AnomalyModel {
    const d = AnomalyModelDocSchema.parse(raw);
    if (
      d.featureSchema.version !== FEATURE_SCHEMA_VERSION ||
      d.featureSchema.names.join(",") !== FEATURE_NAMES.join(",")
    ) {
      throw new Error(
        `anomaly model v${d.version} was trained on feature schema ${d.featureSchema.version}; retrain it (immune train)`,
      );
    }
    return new AnomalyModel(
      IsolationForest.fromJSON(d.forest),
      d.trainingWindow,
      d.calibration,
      d.createdAt,
      d.version,
    );
  }
}
