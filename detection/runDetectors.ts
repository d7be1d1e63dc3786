import type { DetectionState } from "./detectionState";
import type { Detector } from "./detector";
import { toFinding } from "./detector";
import type { Finding, IamEvent } from "./model";

/**
 * Runs every detector that reads the event's source, then lets the state learn from the
 * findings and remember the event. Pure apart from the in-memory state it is handed.
 */
export function runDetectors(
  detectors: readonly Detector[],
  event: IamEvent,
  state: DetectionState,
): Finding[] {
  const ctx = state.context();
  const findings: Finding[] = [];
  for (const d of detectors) {
    if (!d.sources.includes(event.source)) continue;
    for (const draft of d.match(event, ctx)) findings.push(toFinding(d, event, draft));
  }
  state.learnFromFindings(findings);
  state.observe(event);
  return findings;
}
