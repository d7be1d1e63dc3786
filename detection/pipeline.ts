import type { DetectionState } from "./detectionState";
import type { Detector } from "./detector";
import type { Finding, IamEvent, Identity, RiskFactor, Suppression } from "./model";
import type { RiskWeights } from "./risk";
import { DEFAULT_RISK_WEIGHTS, scoreRisk } from "./risk";
import { runDetectors } from "./runDetectors";
import { applySuppressions } from "./suppressions";

/**
 * The pure middle for one event: detect, apply suppressions, score anomaly and risk. The
 * server's worker and `immune scan` both call this, so they give the same answers for the
 * same stream. No I/O: everything it reads is handed in.
 */

/** The anomaly model as the pipeline sees it (detection/anomaly implements it). */
export interface AnomalyScorer {
  /** Scores the event against the actor's baseline, then learns from it. */
  scoreAndLearn(event: IamEvent): { score: number; reasons: string[]; finding?: Finding };
  /**
   * Called with a batch's events before any of them is scored: a scorer that keeps only some
   * baselines in memory loads the others here (the one asynchronous step; scoring stays pure).
   */
  prepare?(events: readonly IamEvent[]): Promise<void>;
  /** An identity was created or changed (lifecycle): peer groups follow it. */
  setIdentity?(identity: Identity): void;
}

export interface PipelineOptions {
  detectors: readonly Detector[];
  state: DetectionState;
  suppressions?: readonly Suppression[];
  anomaly?: AnomalyScorer;
  weights?: RiskWeights;
  productionPatterns?: string[];
  igaConnected?: boolean;
}

export interface EventAnalysis {
  event: IamEvent;
  findings: Finding[];
  silenced: { finding: Finding; suppression: string }[];
  lowered: { points: number; why: string }[];
  anomalyScore: number;
  anomalyReasons: string[];
  /** Risk of this event on its own (an incident re-scores over all its findings). */
  risk: number;
  factors: RiskFactor[];
}

/**
 * The empty lists of an analysis without findings: one frozen list for all of them rather than
 * four new arrays per event (a push onto it throws instead of leaking into other analyses).
 */
const NOTHING = Object.freeze([]) as never[];

/**
 * `now` is the time suppressions and risk are judged at; without it the clock is read when one of
 * them asks, and only then: most events raise nothing, and most findings never ask.
 */
export function analyzeEvent(event: IamEvent, opts: PipelineOptions, now?: Date): EventAnalysis {
  const raw = runDetectors(opts.detectors, event, opts.state);
  const anomaly = opts.anomaly?.scoreAndLearn(event);
  if (anomaly?.finding) raw.push(anomaly.finding);
  // Most events raise nothing: no suppression to apply, nothing to score, and empty lists shared.
  if (raw.length === 0) {
    return {
      event,
      findings: raw,
      silenced: NOTHING,
      lowered: NOTHING,
      anomalyScore: anomaly?.score ?? 0,
      anomalyReasons: anomaly?.reasons ?? NOTHING,
      risk: 0,
      factors: NOTHING,
    };
  }
  // The clock is read only when something asks it: a suppression (its expiry), or scoreRisk for an
  // identity in its onboarding window. Without suppressions every finding is kept as it is.
  const suppressions = opts.suppressions ?? [];
  const sup = suppressions.length
    ? applySuppressions(raw, event, suppressions, now ?? new Date())
    : { kept: raw, silenced: [], lowered: [] };
  const { risk, factors } = sup.kept.length
    ? scoreRisk(
        {
          findings: sup.kept,
          anomalyScore: anomaly?.score,
          anomalyReasons: anomaly?.reasons,
          identity: opts.state.context().identity(event.actor.id),
          igaConnected: opts.igaConnected,
          target: event.target,
          productionPatterns: opts.productionPatterns,
          suppressions: sup.lowered,
          now,
        },
        opts.weights ?? DEFAULT_RISK_WEIGHTS,
      )
    : { risk: 0, factors: [] };
  return {
    event,
    findings: sup.kept,
    silenced: sup.silenced.map((s) => ({ finding: s.finding, suppression: s.by.id })),
    lowered: sup.lowered,
    anomalyScore: anomaly?.score ?? 0,
    anomalyReasons: anomaly?.reasons ?? [],
    risk,
    factors,
  };
}
