import { gcpRole } from "../../detection/referenceData";
import {
  accessLevel,
  awsActionRisk,
  canonicalAction,
  managedPolicySummary,
  summarizePolicyDocument,
} from "./awsActions";
import { coverWithPredefinedRoles } from "./gcpCover";
import type { PrincipalGrants } from "./grantSource";
import type { LeastPrivilegeSettings } from "./leastPrivilegeConfig";
import { permissionWeight, riskReason } from "./permissionRisk";
import type { Recommendation } from "./recommendation";
import { dayNumber, dayString, type UsageDoc } from "./usage";

/**
 * Compares what a principal holds with what it used in the window and proposes the smallest
 * safe replacement: GCP, per resource holding bindings, a risk-weighted set cover of the used
 * permissions by predefined roles (or a custom role when those carry too much excess); AWS, one
 * generated policy with exactly the used actions. Nothing used in the window is ever removed.
 * Pure: no I/O.
 */

export const AWS_POLICY_NAME = "iam-immune-least-privilege";
const RISKIEST_SHOWN = 10;

interface Context {
  doc: UsageDoc;
  settings: LeastPrivilegeSettings;
  today: number;
  /** Permissions used in the window → [last day, count]. */
  used: Map<string, [number, number]>;
  window: Recommendation["window"];
  observedDays: number;
}

function context(doc: UsageDoc, settings: LeastPrivilegeSettings, now: Date): Context {
  const today = dayNumber(now);
  const from = today - settings.windowDays + 1;
  const used = new Map<string, [number, number]>();
  for (const [p, v] of Object.entries(doc.perms)) if (v[0] >= from && v[0] <= today) used.set(p, v);
  return {
    doc,
    settings,
    today,
    used,
    window: { days: settings.windowDays, from: dayString(from), to: dayString(today) },
    observedDays: Math.max(0, today - doc.observedSince + 1),
  };
}

function base(ctx: Context, resource: string): Omit<Recommendation, "status" | "reason"> {
  return {
    cloud: ctx.doc.cloud,
    principal: ctx.doc.principal,
    member: ctx.doc.member,
    resource,
    window: ctx.window,
    observedDays: ctx.observedDays,
    current: { roles: [], permissionCount: 0, unknown: [] },
    proposed: { roles: [], permissionCount: 0 },
    usedPermissionCount: 0,
    kept: [],
    removedRoles: [],
    addedRoles: [],
    removedInlinePolicies: [],
    removedPermissionCount: 0,
    riskiestRemoved: [],
    alternatives: [],
  };
}

function tooShort(ctx: Context): string | undefined {
  if (ctx.observedDays >= ctx.settings.minHistoryDays) return undefined;
  return `${ctx.doc.member} has been observed for ${ctx.observedDays} day${ctx.observedDays === 1 ? "" : "s"}; at least ${ctx.settings.minHistoryDays} are needed before recommending removals.`;
}

/** One recommendation per GCP resource holding bindings, or one for the AWS principal. */
export function recommend(
  doc: UsageDoc,
  grants: PrincipalGrants,
  settings: LeastPrivilegeSettings,
  now: Date = new Date(),
): Recommendation[] {
  const ctx = context(doc, settings, now);
  return doc.cloud === "gcp" ? recommendGcp(ctx, grants) : [recommendAws(ctx, grants)];
}

// ---------------------------------------------------------------- GCP

const unionCache = new Map<string, { perms: Set<string>; unknown: string[]; ranked?: string[] }>();

/** Permissions the roles grant together (memoised: many principals share role sets). */
function rolePermissions(
  roles: string[],
  custom: Record<string, string[]>,
): { perms: Set<string>; unknown: string[]; ranked?: string[] } {
  const cacheable = roles.every((r) => !custom[r]);
  const key = roles.join(" ");
  if (cacheable) {
    const hit = unionCache.get(key);
    if (hit) return hit;
  }
  const perms = new Set<string>();
  const unknown: string[] = [];
  for (const r of roles) {
    const list = custom[r] ?? gcpRole(r)?.permissions;
    // Predefined roles listed without permissions (roles/admin, …) are as unknown as custom ones.
    if (!list || list.length === 0) unknown.push(r);
    else for (const p of list) perms.add(p);
  }
  const result = { perms, unknown };
  if (cacheable) {
    if (unionCache.size > 5000) unionCache.clear();
    unionCache.set(key, result);
  }
  return result;
}

/**
 * The k riskiest permissions (weight, then name), without sorting all of them: removing a basic
 * role drops ~10,000 permissions and only ten are shown. Weights are a handful of integers.
 */
function riskiest(perms: string[], k: number): string[] {
  const byWeight = new Map<number, string[]>();
  for (const p of perms) {
    const w = permissionWeight(p);
    const list = byWeight.get(w);
    if (list) list.push(p);
    else byWeight.set(w, [p]);
  }
  const out: string[] = [];
  for (const w of [...byWeight.keys()].sort((a, b) => b - a)) {
    for (const p of byWeight.get(w)!.sort()) {
      if (out.length >= k) return out;
      out.push(p);
    }
  }
  return out;
}

function recommendGcp(ctx: Context, grants: PrincipalGrants): Recommendation[] {
  const resources = Object.keys(grants.gcpBindings).sort();
  if (resources.length === 0) {
    return [
      {
        ...base(ctx, ""),
        usedPermissionCount: ctx.used.size,
        status: "nothing_to_remove",
        reason: `No role bindings are known for ${ctx.doc.member}, so there is nothing to remove.`,
      },
    ];
  }
  return resources.map((resource) => recommendGcpResource(ctx, resource, grants));
}

function recommendGcpResource(ctx: Context, resource: string, grants: PrincipalGrants): Recommendation {
  const currentRoles = [...grants.gcpBindings[resource]].sort();
  const { perms: granted, unknown } = rolePermissions(currentRoles, grants.gcpCustomRoles);
  const known = currentRoles.filter((r) => !unknown.includes(r));
  const rec = base(ctx, resource);
  rec.current = { roles: currentRoles, permissionCount: granted.size, unknown };
  const short = tooShort(ctx);
  if (short)
    return { ...rec, usedPermissionCount: ctx.used.size, status: "insufficient_history", reason: short };

  // Only the used permissions this resource's roles provide must stay here.
  const used = [...ctx.used.keys()].filter((p) => granted.has(p)).sort();
  rec.usedPermissionCount = used.length;
  rec.kept = used.map((p) => ({
    permission: p,
    lastUsed: dayString(ctx.used.get(p)![0]),
    count: ctx.used.get(p)![1],
  }));

  let proposedRoles: string[] = [];
  let customPerms: string[] = [];
  let after = new Set<string>();
  if (used.length) {
    const cover = coverWithPredefinedRoles(used);
    rec.alternatives = cover.alternatives.map((c) => ({
      roles: c.roles,
      permissionCount: c.permissionCount,
      cost: c.cost,
    }));
    rec.optimal = cover.best.optimal;
    proposedRoles = cover.best.roles;
    customPerms = cover.uncoverable;
    const predefinedAfter = cover.best.permissionCount;
    const excessPerUsed = (predefinedAfter - (used.length - customPerms.length)) / used.length;
    if (excessPerUsed > ctx.settings.customRoleExcessRatio) {
      proposedRoles = [];
      customPerms = used;
    }
    after = rolePermissions(proposedRoles, {}).perms;
    after = customPerms.length ? new Set([...after, ...customPerms]) : after;
  }
  const project = /^projects\/([^/]+)/.exec(resource)?.[1];
  if (customPerms.length) {
    const roleId = `iamImmuneLeastPrivilege_${ctx.doc.principal.replace(/[^a-zA-Z0-9]/g, "_").slice(0, 40)}`;
    const parent = project ? `projects/${project}` : resource;
    rec.proposed.customRole = {
      roleId,
      name: `${parent}/roles/${roleId}`,
      title: `Least privilege for ${ctx.doc.member}`.slice(0, 100),
      permissions: [...customPerms].sort(),
    };
  }
  rec.proposed.roles = proposedRoles;
  rec.proposed.permissionCount = after.size;
  rec.removedRoles = known.filter((r) => !proposedRoles.includes(r));
  rec.addedRoles = proposedRoles.filter((r) => !currentRoles.includes(r));

  // Counted from the (small) proposed side; the riskiest walk the granted set ranked once per role set.
  let kept = 0;
  for (const p of after) if (granted.has(p)) kept++;
  rec.removedPermissionCount = granted.size - kept;
  const union = rolePermissions(currentRoles, grants.gcpCustomRoles);
  union.ranked ??= riskiest([...granted], granted.size);
  const top: string[] = [];
  for (const p of union.ranked) {
    if (top.length >= RISKIEST_SHOWN) break;
    if (!after.has(p)) top.push(p);
  }
  rec.riskiestRemoved = top.map((p) => ({ permission: p, why: riskReason(p) }));

  if (rec.removedRoles.length === 0 || rec.removedPermissionCount === 0) {
    return {
      ...rec,
      status: "nothing_to_remove",
      reason: `${ctx.doc.member} uses what its roles on ${resource} grant; nothing smaller covers its use.`,
    };
  }
  return {
    ...rec,
    status: "ok",
    reason: `${ctx.doc.member} used ${used.length} of ${granted.size} permissions granted on ${resource} in the last ${ctx.settings.windowDays} days.`,
  };
}

// ---------------------------------------------------------------- AWS

function awsGranted(grants: PrincipalGrants): Set<string> {
  const granted = new Set<string>();
  for (const arn of grants.awsManagedPolicies)
    for (const a of managedPolicySummary(arn)?.allowed ?? []) granted.add(a);
  for (const doc of Object.values(grants.awsInlinePolicies))
    for (const a of summarizePolicyDocument(doc).allowed) granted.add(a);
  return granted;
}

/**
 * Cheap excess figures for a report: permissions granted (all resources / policies together)
 * and how many of them were used in the window.
 */
export function excessCounts(
  doc: UsageDoc,
  grants: PrincipalGrants,
  settings: LeastPrivilegeSettings,
  now: Date = new Date(),
): { granted: number; used: number; observedDays: number; enoughHistory: boolean } {
  const ctx = context(doc, settings, now);
  let granted: Set<string>;
  if (doc.cloud === "gcp") {
    const roles = [...new Set(Object.values(grants.gcpBindings).flat())].sort();
    granted = rolePermissions(roles, grants.gcpCustomRoles).perms;
  } else granted = awsGranted(grants);
  let used = 0;
  if (doc.cloud === "gcp") {
    for (const p of ctx.used.keys()) if (granted.has(p)) used++;
  } else {
    const lower = new Set([...granted].map((a) => a.toLowerCase()));
    for (const p of ctx.used.keys()) if (lower.has(p.toLowerCase())) used++;
  }
  return { granted: granted.size, used, observedDays: ctx.observedDays, enoughHistory: !tooShort(ctx) };
}

function awsServiceSid(service: string): string {
  const words = service.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  return `Allow${words.map((w) => w[0].toUpperCase() + w.slice(1)).join("")}`;
}

/** One statement per service, actions sorted, in the reference's canonical spelling. */
export function leastPrivilegeDocument(actions: Iterable<string>): {
  Version: string;
  Statement: { Sid: string; Effect: "Allow"; Action: string[]; Resource: string }[];
} {
  const byService = new Map<string, Set<string>>();
  for (const a of actions) {
    const name = canonicalAction(a);
    const svc = name.slice(0, name.indexOf(":")).toLowerCase();
    const set = byService.get(svc) ?? new Set<string>();
    set.add(name);
    byService.set(svc, set);
  }
  return {
    Version: "2012-10-17",
    Statement: [...byService.keys()].sort().map((svc) => ({
      Sid: awsServiceSid(svc),
      Effect: "Allow" as const,
      Action: [...byService.get(svc)!].sort(),
      Resource: "*",
    })),
  };
}

function recommendAws(ctx: Context, grants: PrincipalGrants): Recommendation {
  const rec = base(ctx, ctx.doc.principal);
  const granted = new Set<string>();
  const detachable: string[] = [];
  const deletableInline: string[] = [];
  const unknown: string[] = [];
  for (const arn of [...grants.awsManagedPolicies].sort()) {
    const s = managedPolicySummary(arn);
    if (!s || s.hasDeny) unknown.push(arn);
    else {
      detachable.push(arn);
      for (const a of s.allowed) granted.add(a);
    }
  }
  for (const name of Object.keys(grants.awsInlinePolicies).sort()) {
    const s = summarizePolicyDocument(grants.awsInlinePolicies[name]);
    // A Deny protects something; an empty or unreadable document tells us nothing: keep both.
    if (s.hasDeny || s.allowed.size === 0) unknown.push(`inline:${name}`);
    else {
      deletableInline.push(name);
      for (const a of s.allowed) granted.add(a);
    }
  }
  rec.current = {
    roles: [...grants.awsManagedPolicies].sort().concat(
      Object.keys(grants.awsInlinePolicies)
        .sort()
        .map((n) => `inline:${n}`),
    ),
    permissionCount: granted.size,
    unknown,
  };
  const short = tooShort(ctx);
  if (short)
    return { ...rec, usedPermissionCount: ctx.used.size, status: "insufficient_history", reason: short };

  // Every used action goes in the new policy, whichever policy granted it.
  const usedActions = new Map<string, [number, number]>();
  for (const [a, v] of ctx.used) {
    const name = canonicalAction(a);
    const prev = usedActions.get(name);
    usedActions.set(name, prev ? [Math.max(prev[0], v[0]), prev[1] + v[1]] : v);
  }
  const names = [...usedActions.keys()].sort();
  rec.usedPermissionCount = names.length;
  rec.kept = names.map((a) => ({
    permission: a,
    lastUsed: dayString(usedActions.get(a)![0]),
    count: usedActions.get(a)![1],
    accessLevel: accessLevel(a),
  }));
  const document = leastPrivilegeDocument(names);
  rec.proposed = {
    roles: [AWS_POLICY_NAME],
    policy: { policyName: AWS_POLICY_NAME, document },
    permissionCount: names.length,
  };
  rec.removedRoles = detachable;
  rec.removedInlinePolicies = deletableInline;
  const keep = new Set(names.map((n) => n.toLowerCase()));
  const removed = [...granted].filter((a) => !keep.has(a.toLowerCase()));
  rec.removedPermissionCount = removed.length;
  rec.riskiestRemoved = removed
    .map((a) => ({ a, r: awsActionRisk(a) }))
    .sort((x, y) => y.r.weight - x.r.weight || (x.a < y.a ? -1 : x.a > y.a ? 1 : 0))
    .slice(0, RISKIEST_SHOWN)
    .map(({ a, r }) => ({ permission: a, why: r.why }));

  if (detachable.length + deletableInline.length === 0 || removed.length === 0) {
    return {
      ...rec,
      status: "nothing_to_remove",
      reason:
        detachable.length + deletableInline.length === 0
          ? `No policies with known contents are attached to ${ctx.doc.member}, so there is nothing to replace.`
          : `${ctx.doc.member} uses every action its policies grant.`,
    };
  }
  return {
    ...rec,
    status: "ok",
    reason: `${ctx.doc.member} used ${names.length} of ${granted.size} actions its policies allow in the last ${ctx.settings.windowDays} days.`,
  };
}
