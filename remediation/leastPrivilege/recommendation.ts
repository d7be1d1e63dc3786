import { createHash } from "node:crypto";
import { z } from "zod";
import type { RemediationAction, RemediationPlan } from "../../detection/model";

/** What the recommender tells one identity it could give up, with the evidence. */

export const RecommendationStatusSchema = z.enum(["ok", "insufficient_history", "nothing_to_remove"]);
export type RecommendationStatus = z.infer<typeof RecommendationStatusSchema>;

export const CustomRoleProposalSchema = z.object({
  /** Role id to create in the project (projects/P/roles/ID). */
  roleId: z.string(),
  /** Full role name once created: projects/P/roles/ID. */
  name: z.string(),
  title: z.string(),
  permissions: z.array(z.string()),
});

export const KeptPermissionSchema = z.object({
  permission: z.string(),
  /** Last day (UTC, YYYY-MM-DD) it was used in the window. */
  lastUsed: z.string(),
  /** Uses recorded since it entered the window. */
  count: z.number().int(),
  /** AWS access level (List, Read, Write, Permissions management, Tagging, Unknown). */
  accessLevel: z.string().optional(),
});

export const RoleCoverSchema = z.object({
  roles: z.array(z.string()),
  permissionCount: z.number().int(),
  /** Risk-weighted cost of the unused permissions the roles carry (lower is better). */
  cost: z.number(),
});

export const RecommendationSchema = z.object({
  cloud: z.enum(["gcp", "aws"]),
  /** Canonical principal id: GCP email, AWS ARN. */
  principal: z.string(),
  /** GCP member (user:…, serviceAccount:…) / AWS ARN, as the plan names it. */
  member: z.string(),
  /** GCP: the resource holding the bindings (projects/acme-prod). AWS: the principal ARN. */
  resource: z.string(),
  status: RecommendationStatusSchema,
  /** One sentence a responder reads: why this status. */
  reason: z.string(),
  window: z.object({ days: z.number().int(), from: z.string(), to: z.string() }),
  /** Days the principal has been observed (history length). */
  observedDays: z.number().int(),
  current: z.object({
    /** GCP roles bound on the resource / AWS managed policy ARNs and inline policy names. */
    roles: z.array(z.string()),
    permissionCount: z.number().int(),
    /** Roles or policies whose contents are unknown: kept as they are. */
    unknown: z.array(z.string()).default([]),
  }),
  proposed: z.object({
    roles: z.array(z.string()),
    customRole: CustomRoleProposalSchema.optional(),
    /** AWS: the generated least-privilege policy. */
    policy: z.object({ policyName: z.string(), document: z.unknown() }).optional(),
    permissionCount: z.number().int(),
  }),
  usedPermissionCount: z.number().int(),
  kept: z.array(KeptPermissionSchema),
  removedRoles: z.array(z.string()),
  addedRoles: z.array(z.string()),
  /** AWS inline policies the plan deletes (their actions are in the new policy). */
  removedInlinePolicies: z.array(z.string()).default([]),
  removedPermissionCount: z.number().int(),
  riskiestRemoved: z.array(z.object({ permission: z.string(), why: z.string() })),
  /** Other covers considered, ranked best first (GCP). */
  alternatives: z.array(RoleCoverSchema).default([]),
  /** GCP: whether the role set is proven minimal under the risk-weighted cost. */
  optimal: z.boolean().optional(),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const LEAST_PRIVILEGE_PLAYBOOK = "leastPrivilege";

const fmt = (n: number) => n.toLocaleString("en-US");

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function where(resource: string): string {
  const m = /^(projects|folders|organizations)\/([^/]+)$/.exec(resource);
  if (!m) return resource;
  const kind = { projects: "project", folders: "folder", organizations: "organization" }[m[1]];
  return `${kind} ${m[2]}`;
}

/** The sentence a confirm dialog quotes. */
export function describeRecommendation(rec: Recommendation): string {
  const counts = `(${fmt(rec.current.permissionCount)} → ${fmt(rec.proposed.permissionCount)} permissions)`;
  if (rec.cloud === "gcp") {
    const parts: string[] = [];
    if (rec.removedRoles.length) parts.push(`remove ${list(rec.removedRoles)}`);
    if (rec.proposed.customRole)
      parts.push(
        `create custom role ${rec.proposed.customRole.name} with ${fmt(rec.proposed.customRole.permissions.length)} permissions`,
      );
    if (rec.addedRoles.length) parts.push(`add ${list(rec.addedRoles)}`);
    return `${parts.join("; ")} on ${where(rec.resource)} for ${rec.member} ${counts}`;
  }
  const policyName = rec.proposed.policy?.policyName ?? "";
  const parts = [`put policy ${policyName} allowing ${fmt(rec.proposed.permissionCount)} used actions`];
  if (rec.removedRoles.length) parts.push(`detach ${list(rec.removedRoles)}`);
  if (rec.removedInlinePolicies.length) parts.push(`delete inline ${list(rec.removedInlinePolicies)}`);
  return `${parts.join("; ")} for ${rec.member} ${counts}`;
}

function key(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/**
 * The exact change as a remediation plan (never automatic: a person confirms a least-privilege
 * change). Undefined unless the status is ok.
 */
export function toPlan(rec: Recommendation): RemediationPlan | undefined {
  if (rec.status !== "ok") return undefined;
  const description = describeRecommendation(rec);
  let action: RemediationAction;
  if (rec.cloud === "gcp") {
    const params = {
      resource: rec.resource,
      member: rec.member,
      removeRoles: rec.removedRoles,
      addRoles: [...rec.addedRoles, ...(rec.proposed.customRole ? [rec.proposed.customRole.name] : [])],
      ...(rec.proposed.customRole ? { createCustomRole: rec.proposed.customRole } : {}),
    };
    action = {
      kind: "gcp.replaceRoles",
      target: rec.resource,
      params,
      idempotencyKey: `gcp.replaceRoles:${key(params)}`,
      description,
    };
  } else {
    const params = {
      principal: rec.principal,
      policyName: rec.proposed.policy!.policyName,
      document: rec.proposed.policy!.document,
      detachPolicyArns: rec.removedRoles,
      deleteInlinePolicyNames: rec.removedInlinePolicies,
    };
    action = {
      kind: "aws.putLeastPrivilegePolicy",
      target: rec.principal,
      params,
      idempotencyKey: `aws.putLeastPrivilegePolicy:${key(params)}`,
      description,
    };
  }
  return {
    playbook: LEAST_PRIVILEGE_PLAYBOOK,
    actions: [action],
    auto: false,
    dryRun: false,
    notes: [
      `Least-privilege change from ${rec.window.days} days of observed use (${rec.window.from} to ${rec.window.to}); every permission used in that window is kept.`,
    ],
    approvalsRequired: 1,
    approvals: [],
    steps: [],
  };
}
