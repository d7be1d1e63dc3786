/** The anomaly model: behaviour baselines per identity and an Isolation Forest (features.ts documents each feature). */
export {
  type AnomalyConfig,
  AnomalyConfigSchema,
  anomalyConfigShape,
  defaultAnomalyConfig,
} from "./anomalyConfig";
export {
  ANOMALY_DETECTOR_ID,
  ANOMALY_DETECTOR_TITLE,
  anomalyFinding,
  anomalyRiskFactor,
  anomalySeverity,
  detectAnomaly,
} from "./anomalyDetector";
export { AnomalyModel, type AnomalyModelDoc, AnomalyModelDocSchema } from "./anomalyModel";
export { AnomalyState, type AnomalyStateOptions } from "./anomalyState";
export {
  baselineDocId,
  loadAnomalyState,
  loadBaselines,
  loadModel,
  saveAnomalyState,
  saveBaselines,
  saveModel,
} from "./anomalyStore";
export { Baseline, type BaselineDoc, BaselineDocSchema } from "./baseline";
export { FEATURE_NAMES, FEATURE_SCHEMA_VERSION, FEATURES, type FeatureName } from "./features";
export { IsolationForest, type SerializedForest } from "./isolationForest";
export { scheduleRetraining } from "./retraining";
export { type AnomalyResult, type ScoreOptions, scoreEvent } from "./scoreEvent";
export { type TrainOptions, type TrainResult, trainModel } from "./trainModel";
