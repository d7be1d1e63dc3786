import type { FindingDraft } from "../detector";
import { findingId } from "../detector";
import type { Finding, IamEvent, RiskFactor, Severity } from "../model";
import { shortAction } from "./eventKeys";
import type { AnomalyResult } from "./scoreEvent";

/**
 * The anomaly model as a detector: an anomaly alone at or above ANOMALY_INCIDENT_THRESHOLD
 * yields a finding of category `anomaly` whose evidence carries the reasons in words. Below the
 * threshold the score still reaches the risk function as its own factor (anomalyRiskFactor).
 */
export const ANOMALY_DETECTOR_ID = "anomaly.behaviour";
export const ANOMALY_DETECTOR_TITLE = "Behaviour unlike this identity's baseline";

export function anomalySeverity(score: number): Severity {
  if (score >= 0.9) return "high";
  if (score >= 0.7) return "medium";
  return "low";
}

/** A finding draft when the score reaches the threshold, else null. Pure. */
export function detectAnomaly(
  event: IamEvent,
  result: AnomalyResult | undefined,
  threshold: number,
): FindingDraft | null {
  if (!result || result.score < threshold) return null;
  const why = result.reasons.slice(0, 3).join("; ");
  return {
    summary: `Unusual ${shortAction(event.action)} by ${event.actor.display} (anomaly ${result.score.toFixed(2)})${why ? `: ${why}` : ""}`,
    severity: anomalySeverity(result.score),
    evidence: {
      score: Number(result.score.toFixed(4)),
      rawScore: Number(result.rawScore.toFixed(4)),
      reasons: result.reasons,
      comparedWith: result.comparedWith,
      modelVersion: result.modelVersion,
      features: Object.fromEntries(
        Object.entries(result.features).map(([k, v]) => [k, Number(v.toFixed(3))]),
      ),
      contributions: result.contributions
        .slice(0, 6)
        .map((c) => ({ feature: c.feature, contribution: Number(c.contribution.toFixed(4)) })),
    },
  };
}

/** The finding itself, with the same deterministic id scheme as rule detectors. */
export function anomalyFinding(
  event: IamEvent,
  result: AnomalyResult | undefined,
  threshold: number,
): Finding | null {
  const draft = detectAnomaly(event, result, threshold);
  if (!draft) return null;
  const eventId = `${event.source}:${event.id}`;
  return {
    id: findingId(eventId, ANOMALY_DETECTOR_ID),
    detector: ANOMALY_DETECTOR_ID,
    category: "anomaly",
    severity: draft.severity ?? "medium",
    summary: draft.summary,
    evidence: draft.evidence,
    eventId,
    time: event.time,
  };
}

/**
 * The anomaly score as a risk factor (up to `maxPoints`, default 25), its reasons as the why.
 * Scores under 0.5 are ordinary and add nothing.
 */
export function anomalyRiskFactor(result: AnomalyResult | undefined, maxPoints = 25): RiskFactor | null {
  if (!result || result.score < 0.5) return null;
  return {
    name: "anomaly",
    points: Math.round(((result.score - 0.5) / 0.5) * maxPoints),
    why: result.reasons.length ? result.reasons.join("; ") : `anomaly score ${result.score.toFixed(2)}`,
  };
}
