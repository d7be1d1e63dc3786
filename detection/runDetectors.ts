import type { DetectionState } from "./detectionState";
import type { Detector } from "./detector";
import { toFinding } from "./detector";
import type { Finding, IamEvent, Source } from "./model";

/**
 * Runs every detector that reads the event's source and can fire on its call (Detector.calls),
 * then lets the state learn from the findings and remember the event: keep it for recentByActor
 * when some detector `keeps` it, record it for seenBefore when some detector `remembers` it. Pure
 * apart from the in-memory state it is handed.
 */
export function runDetectors(
  detectors: readonly Detector[],
  event: IamEvent,
  state: DetectionState,
): Finding[] {
  const ctx = state.context();
  const plan = planFor(detectors);
  const findings: Finding[] = [];
  for (const d of detectorsFor(plan, event)) {
    const drafts = d.match(event, ctx);
    // Indexed: most answers are the shared frozen NO_FINDINGS, which for-of would wrap in an iterator.
    for (let i = 0; i < drafts.length; i++) findings.push(toFinding(d, event, drafts[i]));
  }
  // Asked of every detector, whatever its source: recentByActor and seenBefore are per actor id.
  // The predicates are pure: once one says yes, the others need not be asked.
  let keep = false;
  for (const k of plan.keeps) if (!keep && k(event)) keep = true;
  let remember = false;
  for (const r of plan.remembers) if (!remember && r(event)) remember = true;
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
  /** source → service → action → the source's detectors whose `calls` admit that call. */
  byCall: Map<Source, Map<string, Map<string, readonly Detector[]>>>;
  byCallSize: number;
  keeps: Predicate[];
  remembers: Predicate[];
}

/** Calls remembered per plan; both names come from the record, so a hostile stream is bounded. */
const BY_CALL_MAX = 20_000;

/** The detectors to run on this event's call, worked out once per (source, service, action). */
function detectorsFor(plan: Plan, event: IamEvent): readonly Detector[] {
  let byService = plan.byCall.get(event.source);
  let byAction = byService?.get(event.service);
  const known = byAction?.get(event.action);
  if (known) return known;
  const all = plan.bySource.get(event.source) ?? NONE;
  const chosen = all.filter((d) => !d.calls || d.calls(event.service, event.action));
  if (plan.byCallSize >= BY_CALL_MAX) {
    plan.byCall.clear();
    plan.byCallSize = 0;
    byService = undefined;
    byAction = undefined;
  }
  if (!byService) {
    byService = new Map();
    plan.byCall.set(event.source, byService);
  }
  if (!byAction) {
    byAction = new Map();
    byService.set(event.service, byAction);
  }
  byAction.set(event.action, chosen);
  plan.byCallSize++;
  return chosen;
}

/** Built once per detector list (the registry is one array for the life of the process). */
const plans = new WeakMap<readonly Detector[], Plan>();

/** The last list planned and its plan: every event of a stream asks for the same one. */
let lastDetectors: readonly Detector[] | undefined;
let lastPlan: Plan | undefined;

function planFor(detectors: readonly Detector[]): Plan {
  if (detectors === lastDetectors && lastPlan && lastPlan.size === detectors.length) return lastPlan;
  const plan = planOf(detectors);
  lastDetectors = detectors;
  lastPlan = plan;
  return plan;
}

function planOf(detectors: readonly Detector[]): Plan {
  const known = plans.get(detectors);
  // A list grown or shrunk in place since (tests build their own lists) is planned again.
  if (known && known.size === detectors.length) return known;
  const plan: Plan = {
    size: detectors.length,
    bySource: new Map(),
    byCall: new Map(),
    byCallSize: 0,
    keeps: [],
    remembers: [],
  };
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
