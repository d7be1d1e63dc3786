import type { DetectionState } from "./detectionState";
import type { Detector } from "./detector";
import { toFinding } from "./detector";
import type { Finding, IamEvent, Source } from "./model";

/**
 * Runs every detector that reads the event's source, then lets the state learn from the
 * findings and remember the event: keep it for recentByActor when some detector `keeps` it,
 * record it for seenBefore when some detector `remembers` it. Pure apart from the in-memory
 * state it is handed.
 */
export function runDetectors(
  detectors: readonly Detector[],
  event: IamEvent,
  state: DetectionState,
): Finding[] {
  const ctx = state.context();
  const plan = planFor(detectors);
  const findings: Finding[] = [];
  for (const d of plan.bySource.get(event.source) ?? NONE) {
    const drafts = d.match(event, ctx);
    for (const draft of drafts) findings.push(toFinding(d, event, draft));
  }
  // Asked of every detector, whatever its source: recentByActor and seenBefore are per actor id.
  let keep = false;
  for (const k of plan.keeps) if (k(event)) keep = true;
  let remember = false;
  for (const r of plan.remembers) if (r(event)) remember = true;
  state.learnFromFindings(findings);
  state.observe(event, remember, keep);
  return findings;
}

const NONE: readonly Detector[] = [];

type Predicate = (event: IamEvent) => boolean;

/** The detectors of each source, in registry order, and what they ask the state to keep. */
interface Plan {
  size: number;
  bySource: Map<Source, Detector[]>;
  keeps: Predicate[];
  remembers: Predicate[];
}

/** Built once per detector list (the registry is one array for the life of the process). */
const plans = new WeakMap<readonly Detector[], Plan>();

function planFor(detectors: readonly Detector[]): Plan {
  const known = plans.get(detectors);
  // A list grown or shrunk in place since (tests build their own lists) is planned again.
  if (known && known.size === detectors.length) return known;
  const plan: Plan = { size: detectors.length, bySource: new Map(), keeps: [], remembers: [] };
  for (const d of detectors) {
    for (const source of d.sources) {
      const list = plan.bySource.get(source) ?? [];
      if (!list.includes(d)) list.push(d);
      plan.bySource.set(source, list);
    }
    if (d.keeps && !plan.keeps.includes(d.keeps)) plan.keeps.push(d.keeps);
    if (d.remembers && !plan.remembers.includes(d.remembers)) plan.remembers.push(d.remembers);
  }
  plans.set(detectors, plan);
  return plan;
}
