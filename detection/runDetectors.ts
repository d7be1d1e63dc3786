import type { DetectionState } from "./detectionState";
import type { Detector } from "./detector";
import { toFinding } from "./detector";
import type { Finding, IamEvent, Source } from "./model";

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
  const plan = planFor(detectors).get(event.source);
  const findings: Finding[] = [];
  let remember = false;
  if (plan) {
    for (const d of plan.detectors) {
      const drafts = d.match(event, ctx);
      for (const draft of drafts) findings.push(toFinding(d, event, draft));
    }
    for (const r of plan.remembers) if (r(event)) remember = true;
  }
  state.learnFromFindings(findings);
  state.observe(event, remember);
  return findings;
}

/** The detectors of one source, in registry order, and what they ask the state to remember. */
interface SourcePlan {
  detectors: Detector[];
  remembers: ((event: IamEvent) => boolean)[];
}

/** Built once per detector list (the registry is one array for the life of the process). */
const plans = new WeakMap<readonly Detector[], { size: number; bySource: Map<Source, SourcePlan> }>();

function planFor(detectors: readonly Detector[]): Map<Source, SourcePlan> {
  const known = plans.get(detectors);
  // A list grown or shrunk in place since (tests build their own lists) is planned again.
  if (known && known.size === detectors.length) return known.bySource;
  const plan = new Map<Source, SourcePlan>();
  for (const d of detectors) {
    for (const source of d.sources) {
      let p = plan.get(source);
      if (!p) {
        p = { detectors: [], remembers: [] };
        plan.set(source, p);
      }
      if (!p.detectors.includes(d)) {
        p.detectors.push(d);
        if (d.remembers) p.remembers.push(d.remembers);
      }
    }
  }
  plans.set(detectors, { size: detectors.length, bySource: plan });
  return plan;
}
