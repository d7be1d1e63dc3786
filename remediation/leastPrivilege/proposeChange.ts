import type { Incident } from "../../detection/model";
import type { Store } from "../../integrations/store/store";
import { type Recommendation, RecommendationSchema } from "./recommendation";
import { recommendationIncident } from "./recommendationIncident";
import { summaryId } from "./recommendationSummary";

/**
 * "Propose this change" on a recommendation card: each applicable recommendation stored for the
 * principal becomes an incident carrying its plan, so the change goes through the same approve /
 * audit / undo path as every other. The incident id is derived from the change, so pressing
 * twice (or on two replicas) opens it once.
 */

export interface ProposeResult {
  /** Incidents opened by this press. */
  opened: Incident[];
  /** Incidents for the same change that were already open. */
  existing: Incident[];
  /** Why nothing could be proposed, when nothing was. */
  problem?: string;
}

export async function proposeLeastPrivilege(
  store: Store,
  principal: string,
  opts: { by: string; now: Date; dryRun: boolean; canExecute: (kind: string) => boolean },
): Promise<ProposeResult> {
  const doc = await store.get<{ recommendations?: unknown[] }>("usage", summaryId(principal));
  if (!doc) return { opened: [], existing: [], problem: `No recommendation is stored for ${principal}.` };
  const recs: Recommendation[] = [];
  for (const raw of doc.data.recommendations ?? []) {
    const parsed = RecommendationSchema.safeParse(raw);
    if (parsed.success && parsed.data.status === "ok") recs.push(parsed.data);
  }
  const opened: Incident[] = [];
  const existing: Incident[] = [];
  let unsupported = 0;
  for (const rec of recs) {
    const incident = recommendationIncident(rec, opts.by, opts.now);
    if (!incident?.plan) continue;
    if (!incident.plan.actions.every((a) => opts.canExecute(a.kind))) {
      unsupported++;
      continue;
    }
    const proposal: Incident = { ...incident, plan: { ...incident.plan, dryRun: opts.dryRun } };
    if (await store.create("incidents", proposal.id, proposal)) opened.push(proposal);
    else {
      const current = (await store.get<Incident>("incidents", proposal.id))?.data;
      if (current) existing.push(current);
    }
  }
  if (opened.length || existing.length) return { opened, existing };
  return {
    opened,
    existing,
    problem: unsupported
      ? `The change for ${principal} cannot be applied from chat yet (no executor for it); apply it by hand.`
      : `Nothing to change for ${principal}: the stored recommendation removes nothing.`,
  };
}
