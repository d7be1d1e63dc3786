import { createHash } from "node:crypto";
import { allDetectors } from "../detection/detectors";
import type { IamEvent, Incident, RemediationAction, RemediationPlan } from "../detection/model";
import type { ActionDraft } from "./playbooks";
import { PLANNERS, PLAYBOOKS } from "./playbooks";
import type { RemediationPolicy } from "./policy";
import { neverTouchHit, thresholdFor, twoPersonHit } from "./policy";

/**
 * incident + policy → plan. Pure: no I/O, same input same plan, so the card, dry-run and the
 * executor all talk about the same actions.
 */

export interface PlanOptions {
  /** The incident's events (by `${source}:${id}`, as Finding.eventId), when the caller has them. */
  events?: IamEvent[];
  /** Detector id → playbook name. Defaults to the detector registry. */
  playbookFor?: (detectorId: string) => string | undefined;
}

function registryPlaybook(detectorId: string): string | undefined {
  return allDetectors.find((d) => d.id === detectorId)?.playbook;
}

/** Same incident, action and target → same key, however many replicas or clicks ask. */
export function idempotencyKey(
  incidentId: string,
  draft: Pick<ActionDraft, "kind" | "target" | "params">,
): string {
  // Two actions of one kind on one target differ by what they remove (member, role, policy...).
  const p = draft.params;
  // A members list counts too: "remove allUsers" and "remove allAuthenticatedUsers" on one
  // bucket and role are two actions, not one (the second was dropped as a duplicate).
  const members = Array.isArray(p.members) ? p.members.map(String).join(",") : "";
  const discriminator = [p.member, p.role, p.condition, p.policyArn, p.policyName, p.accessKeyId, p.groupName]
    .map((v) => (typeof v === "string" ? v : ""))
    .concat(members ? [members] : [])
    .join("|");
  const hash = createHash("sha256")
    .update(`${incidentId}\u0000${draft.kind}\u0000${draft.target}\u0000${discriminator}`)
    .digest("hex")
    .slice(0, 32);
  return `rem-${hash}`;
}

export function playbooksOf(incident: Incident, opts: PlanOptions = {}): string[] {
  const lookup = opts.playbookFor ?? registryPlaybook;
  const names: string[] = [];
  for (const f of incident.findings) {
    const name =
      lookup(f.detector) ?? (typeof f.evidence.playbook === "string" ? f.evidence.playbook : undefined);
    if (name && PLAYBOOKS[name] && !names.includes(name)) names.push(name);
  }
  return names;
}

export function planRemediation(
  incident: Incident,
  policy: RemediationPolicy,
  opts: PlanOptions = {},
): RemediationPlan {
  const lookup = opts.playbookFor ?? registryPlaybook;
  const events = new Map((opts.events ?? []).map((e) => [`${e.source}:${e.id}`, e]));
  const actions: RemediationAction[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const playbooks = playbooksOf(incident, opts);

  for (const finding of incident.findings) {
    const playbook =
      lookup(finding.detector) ??
      (typeof finding.evidence.playbook === "string" ? finding.evidence.playbook : undefined);
    if (!playbook) continue;
    const def = PLAYBOOKS[playbook];
    if (!def) {
      notes.push(`Detector ${finding.detector} names playbook "${playbook}", which does not exist.`);
      continue;
    }
    const ev = events.get(finding.eventId);
    const input = { playbook, finding, events: ev ? [ev] : [], incident };
    for (const kind of def.steps) {
      for (const draft of PLANNERS[kind]?.(input) ?? []) {
        const key = idempotencyKey(incident.id, draft);
        if (seen.has(key)) continue;
        seen.add(key);
        const action: RemediationAction = { ...draft, idempotencyKey: key };
        const hit = neverTouchHit(policy, action);
        if (hit) {
          notes.push(`Never-touch: left out "${action.description}" (${hit.name} matches ${hit.pattern}).`);
          continue;
        }
        actions.push(action);
      }
    }
  }
  if (playbooks.length && !actions.length && !notes.length) {
    notes.push("The findings do not carry enough detail to plan a change; remediate by hand.");
  }

  const twoPerson = actions
    .map((a) => ({ a, rule: twoPersonHit(policy, a) }))
    .filter((x) => x.rule !== undefined);
  for (const { a, rule } of twoPerson) notes.push(`Two approvers needed (${rule?.raw}): ${a.description}`);

  const dryRun = policy.mode === "dry-run";
  const threshold = thresholdFor(policy, playbooks);
  let auto = false;
  if (!actions.length) {
    // nothing to run
  } else if (!policy.autoRemediate)
    notes.push("Automatic remediation is off: an approver must press Approve.");
  else if (incident.risk < threshold)
    notes.push(`Risk ${incident.risk} is below the automatic threshold ${threshold}.`);
  else if (twoPerson.length) notes.push("Not automatic: the plan includes a two-person action.");
  else auto = true;
  if (dryRun && actions.length) notes.push("Dry-run mode: nothing will be executed.");

  return {
    playbook: playbooks.join("+"),
    actions,
    auto,
    dryRun,
    notes,
    approvalsRequired: twoPerson.length ? 2 : 1,
    approvals: [],
    steps: actions.map((a) => ({ idempotencyKey: a.idempotencyKey, status: "pending" })),
  };
}
