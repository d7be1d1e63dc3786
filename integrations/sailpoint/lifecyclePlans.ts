import { createHash } from "node:crypto";
import type { Finding, Identity, Incident, RemediationAction, RemediationPlan } from "../../detection/model";
import { IncidentSchema } from "../../detection/model";
import { idempotencyKey } from "../../remediation/plan";
import type { ActionDraft } from "../../remediation/playbooks";
import type { RemediationPolicy } from "../../remediation/policy";
import { neverTouchHit, thresholdFor, twoPersonHit } from "../../remediation/policy";
import type { AwsUserHeld, GcpBindingHeld, PersonAccess } from "./cloudAccess";
import type { RoleAccess } from "./lifecycleConfig";

/**
 * Lifecycle change + the access found → an incident with its remediation plan. Pure. The
 * actions use the same kinds and params as remediation/playbooks.ts, so the one runner
 * executes, records and undoes them like any other plan.
 */

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex").slice(0, 24);
}

function scopeOf(resource: string): string | undefined {
  return /^(?:projects|folders|organizations)\/([^/]+)$/.exec(resource)?.[1];
}

function awsBase(playbook: string, u: AwsUserHeld) {
  return {
    playbook,
    account: u.account,
    scope: u.account,
    principalType: "user",
    principalName: u.userName,
    principal: u.arn,
    principalKind: "human",
  };
}

function awsWhere(u: AwsUserHeld): string {
  return u.account ? ` in account ${u.account}` : "";
}

export function leaverDrafts(access: PersonAccess): ActionDraft[] {
  const drafts: ActionDraft[] = [];
  const byResource = new Map<string, GcpBindingHeld[]>();
  for (const b of access.gcp) {
    const k = `${b.resource}\u0000${b.member}`;
    byResource.set(k, [...(byResource.get(k) ?? []), b]);
  }
  for (const list of byResource.values()) {
    const { resource, member } = list[0];
    drafts.push({
      kind: "gcp.removeMemberEverywhere",
      target: resource,
      params: {
        playbook: "leaver",
        resource,
        member,
        principal: member,
        principalKind: "human",
        scope: scopeOf(resource),
      },
      description: `Remove ${member} from every role binding on ${resource} (${list.map((b) => b.role).join(", ")}).`,
    });
  }
  for (const u of access.aws) {
    const active = u.accessKeys.filter((k) => k.status === "Active");
    if (active.length)
      drafts.push({
        kind: "aws.deactivateAccessKey",
        target: u.arn,
        params: awsBase("leaver", u),
        description: `Set every active access key of IAM user ${u.userName}${awsWhere(u)} to Inactive (${active.map((k) => k.id).join(", ")}).`,
      });
    if (u.groups.length)
      drafts.push({
        kind: "aws.removeUserFromGroup",
        target: u.arn,
        params: awsBase("leaver", u),
        description: `Remove IAM user ${u.userName} from every IAM group${awsWhere(u)} (${u.groups.join(", ")}).`,
      });
    if (u.hasLoginProfile)
      drafts.push({
        kind: "aws.deleteLoginProfile",
        target: u.arn,
        params: { ...awsBase("leaver", u), irreversible: true },
        description: `Delete the console password of IAM user ${u.userName}${awsWhere(u)} (cannot be undone).`,
      });
  }
  return drafts;
}

export interface OutOfRole {
  gcp: GcpBindingHeld[];
  aws: { user: AwsUserHeld; group: string }[];
}

/** Access the new role does not include. With no entry for the new role nothing is judged. */
export function outOfRole(access: PersonAccess, allowed: RoleAccess | undefined): OutOfRole {
  if (!allowed) return { gcp: [], aws: [] };
  return {
    gcp: access.gcp.filter((b) => !allowed.gcpRoles.includes(b.role)),
    aws: access.aws.flatMap((user) =>
      user.groups.filter((g) => !allowed.awsGroups.includes(g)).map((group) => ({ user, group })),
    ),
  };
}

export function moverDrafts(o: OutOfRole): ActionDraft[] {
  return [
    ...o.gcp.map((b) => ({
      kind: "gcp.removeBinding" as const,
      target: b.resource,
      params: {
        playbook: "remove-binding",
        resource: b.resource,
        role: b.role,
        member: b.member,
        ...(b.condition ? { condition: b.condition } : {}),
        principal: b.member,
        principalKind: "human",
        scope: scopeOf(b.resource),
      },
      description: `Remove ${b.member} from ${b.role} on ${b.resource}.`,
    })),
    ...o.aws.map(({ user, group }) => ({
      kind: "aws.removeUserFromGroup" as const,
      target: user.arn,
      params: { ...awsBase("remove-binding", user), groupName: group },
      description: `Remove IAM user ${user.userName} from group ${group}${awsWhere(user)}.`,
    })),
  ];
}

/** Same policy reading as remediation/plan.ts, for actions built here. */
export function planFor(
  incidentId: string,
  playbook: string,
  drafts: ActionDraft[],
  risk: number,
  policy: RemediationPolicy,
): RemediationPlan {
  const actions: RemediationAction[] = [];
  const notes: string[] = [];
  for (const d of drafts) {
    const a: RemediationAction = { ...d, idempotencyKey: idempotencyKey(incidentId, d) };
    const hit = neverTouchHit(policy, a);
    if (hit) notes.push(`Never-touch: left out "${a.description}" (${hit.name} matches ${hit.pattern}).`);
    else actions.push(a);
  }
  const twoPerson = actions.map((a) => twoPersonHit(policy, a)).filter(Boolean);
  if (twoPerson.length) notes.push(`Two approvers needed (${twoPerson[0]?.raw}).`);
  const threshold = thresholdFor(policy, [playbook]);
  let auto = false;
  if (!actions.length) notes.push("Nothing found to revoke.");
  else if (!policy.autoRemediate) notes.push("Automatic remediation is off: an approver must press Approve.");
  else if (risk < threshold) notes.push(`Risk ${risk} is below the automatic threshold ${threshold}.`);
  else if (twoPerson.length) notes.push("Not automatic: the plan includes a two-person action.");
  else auto = true;
  const dryRun = policy.mode === "dry-run";
  if (dryRun && actions.length) notes.push("Dry-run mode: nothing will be executed.");
  return {
    playbook,
    actions,
    auto,
    dryRun,
    notes,
    approvalsRequired: twoPerson.length ? 2 : 1,
    approvals: [],
    steps: actions.map((a) => ({ idempotencyKey: a.idempotencyKey, status: "pending" })),
  };
}

interface IncidentInput {
  kind: "leaver" | "mover";
  identity: Identity;
  eventId: string;
  at: string;
  risk: number;
  summary: string;
  title: string;
  evidence: Record<string, unknown>;
  drafts: ActionDraft[];
  policy: RemediationPolicy;
  why: string;
}

export function lifecycleIncident(i: IncidentInput): Incident {
  const id = `lifecycle-${i.kind}-${hash(`${i.identity.id}\u0000${i.eventId}`)}`;
  const finding: Finding = {
    id: `f-${hash(`${i.eventId}\u0000${i.kind}`)}`,
    detector: `lifecycle-${i.kind}`,
    category: "lifecycle_violation",
    severity: i.risk >= 85 ? "critical" : i.risk >= 60 ? "high" : "medium",
    summary: i.summary,
    evidence: { ...i.evidence, member: `user:${i.identity.email ?? i.identity.id}` },
    eventId: `sailpoint:${i.eventId}`,
    time: i.at,
  };
  const playbook = i.kind === "leaver" ? "leaver" : "remove-binding";
  return IncidentSchema.parse({
    id,
    groupKey: `${i.identity.id}|lifecycle-${i.kind}`,
    title: i.title,
    actor: { id: i.identity.id, kind: "user", display: i.identity.display },
    target: { kind: "identity", id: i.identity.id, level: "resource" },
    source: "sailpoint",
    category: "lifecycle_violation",
    severity: finding.severity,
    findings: [finding],
    eventIds: [finding.eventId],
    firstSeen: i.at,
    lastSeen: i.at,
    risk: i.risk,
    factors: [{ name: `lifecycle ${i.kind}`, points: i.risk, why: i.why }],
    state: "open",
    stateChangedAt: i.at,
    plan: planFor(id, playbook, i.drafts, i.risk, i.policy),
    timeline: [{ at: i.at, by: "system", what: i.summary }],
    createdAt: i.at,
    updatedAt: i.at,
  });
}

export function describeAccess(a: PersonAccess): string[] {
  return [
    ...a.gcp.map((b) => `GCP ${b.resource}: ${b.member} has ${b.role}${b.condition ? " (conditional)" : ""}`),
    ...a.aws.flatMap((u) => [
      ...u.accessKeys.map((k) => `AWS ${u.userName}${awsWhere(u)}: access key ${k.id} (${k.status})`),
      ...(u.groups.length ? [`AWS ${u.userName}${awsWhere(u)}: groups ${u.groups.join(", ")}`] : []),
      ...(u.hasLoginProfile ? [`AWS ${u.userName}${awsWhere(u)}: console password`] : []),
    ]),
  ];
}
