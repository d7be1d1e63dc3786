import type { Finding, IamEvent, Identity } from "../model";
import type { AnomalyScorer } from "../pipeline";
import { anomalyFinding } from "./anomalyDetector";
import type { AnomalyState } from "./anomalyState";

/**
 * The anomaly model as the pipeline's AnomalyScorer: score each event against what was known
 * before it, learn it into the baselines, and turn a score at or above the incident threshold
 * into a finding of category `anomaly`.
 *
 * Scores under ORDINARY (0.5 on the calibrated scale: below the training p99) are reported as
 * 0 with no reasons, so a rule finding about ordinary behaviour does not gain "behaves unlike
 * itself" points on its card.
 */
export const ORDINARY = 0.5;

export class StateAnomalyScorer implements AnomalyScorer {
  /**
   * `loadActors` brings the baselines of actors not in memory back (anomalyStore.ts
   * prepareActors); without it every baseline must stay in memory.
   */
  constructor(
    readonly state: AnomalyState,
    private readonly threshold: number,
    private readonly loadActors?: (actorIds: string[]) => Promise<unknown>,
  ) {}

  async prepare(events: readonly IamEvent[]): Promise<void> {
    if (this.loadActors) await this.loadActors(events.map((e) => e.actor.id));
  }

  setIdentity(identity: Identity): void {
    this.state.setIdentity(identity);
  }

  scoreAndLearn(event: IamEvent): { score: number; reasons: string[]; finding?: Finding } {
    const result = this.state.process(event);
    if (!result || result.score < ORDINARY) return { score: 0, reasons: [] };
    const finding = anomalyFinding(event, result, this.threshold);
    return { score: result.score, reasons: result.reasons, ...(finding ? { finding } : {}) };
  }
}
