/**
 * Pure edits of a Google IAM policy (Resource Manager and Cloud Storage share the shape).
 * Bindings are matched by role *and* condition, so conditional bindings of the same role are
 * never merged with, or lost behind, the unconditional one.
 */

export interface IamCondition {
  expression?: string | null;
  title?: string | null;
  description?: string | null;
  location?: string | null;
}

export interface IamBinding {
  role?: string | null;
  members?: string[] | null;
  condition?: IamCondition | null;
}

export interface AuditLogConfig {
  logType?: string | null;
  exemptedMembers?: string[] | null;
}

export interface AuditConfig {
  service?: string | null;
  auditLogConfigs?: AuditLogConfig[] | null;
}

export interface IamPolicy {
  version?: number | null;
  etag?: string | null;
  bindings?: IamBinding[] | null;
  auditConfigs?: AuditConfig[] | null;
}

/** One (role, member, condition) triple taken out of a policy, enough to put it back. */
export interface RemovedMember {
  role: string;
  member: string;
  condition?: IamCondition;
}

function sameCondition(a: IamCondition | null | undefined, b: IamCondition | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (a.expression ?? "") === (b.expression ?? "") && (a.title ?? "") === (b.title ?? "");
}

function cleanCondition(c: IamCondition | null | undefined): IamCondition | undefined {
  if (!c) return undefined;
  const out: IamCondition = {};
  if (c.expression) out.expression = c.expression;
  if (c.title) out.title = c.title;
  if (c.description) out.description = c.description;
  return out;
}

/** Version 3 whenever any binding is conditional; Google refuses conditional bindings in v1. */
function fixVersion(policy: IamPolicy): void {
  if ((policy.bindings ?? []).some((b) => b.condition)) policy.version = 3;
}

/**
 * Removes members for which `pick` answers true; empty bindings are dropped. Returns the new
 * policy (the input is not changed) and exactly what was removed.
 */
export function removeMembers(
  policy: IamPolicy,
  pick: (member: string, binding: IamBinding) => boolean,
): { policy: IamPolicy; removed: RemovedMember[] } {
  const removed: RemovedMember[] = [];
  const bindings: IamBinding[] = [];
  for (const b of policy.bindings ?? []) {
    const keep: string[] = [];
    for (const m of b.members ?? []) {
      if (pick(m, b)) {
        const condition = cleanCondition(b.condition);
        removed.push({ role: b.role ?? "", member: m, ...(condition ? { condition } : {}) });
      } else keep.push(m);
    }
    if (keep.length === (b.members ?? []).length) bindings.push(b);
    else if (keep.length) bindings.push({ ...b, members: keep });
  }
  const next: IamPolicy = { ...policy, bindings };
  fixVersion(next);
  return { policy: next, removed };
}

/** Puts members back into the binding of the same role and condition (creating it if gone). */
export function addMembers(
  policy: IamPolicy,
  add: RemovedMember[],
): { policy: IamPolicy; added: RemovedMember[] } {
  const bindings = (policy.bindings ?? []).map((b) => ({ ...b, members: [...(b.members ?? [])] }));
  const added: RemovedMember[] = [];
  for (const r of add) {
    let b = bindings.find((x) => x.role === r.role && sameCondition(x.condition, r.condition));
    if (!b) {
      b = { role: r.role, members: [], ...(r.condition ? { condition: r.condition } : {}) };
      bindings.push(b);
    }
    if (!b.members.includes(r.member)) {
      b.members.push(r.member);
      added.push(r);
    }
  }
  const next: IamPolicy = { ...policy, bindings };
  fixVersion(next);
  return { policy: next, added };
}

export interface AuditDelta {
  action: "ADD" | "REMOVE";
  service: string;
  logType: string;
  exemptedMember?: string;
}

function cloneConfigs(configs: AuditConfig[] | null | undefined): AuditConfig[] {
  return JSON.parse(JSON.stringify(configs ?? [])) as AuditConfig[];
}

/**
 * Reverses weakening audit-config deltas: a removed log type is switched back on, an added
 * exemption is dropped. Returns the new auditConfigs and, per touched service, the config it
 * had before (null: the service had none), which is what undo restores.
 */
export function reverseAuditDeltas(
  configs: AuditConfig[] | null | undefined,
  deltas: AuditDelta[],
): { auditConfigs: AuditConfig[]; before: Record<string, AuditConfig | null>; changed: boolean } {
  const next = cloneConfigs(configs);
  const before: Record<string, AuditConfig | null> = {};
  let changed = false;
  for (const d of deltas) {
    let svc = next.find((c) => c.service === d.service);
    const original = (configs ?? []).find((c) => c.service === d.service);
    const remember = () => {
      if (!(d.service in before)) before[d.service] = original ? cloneConfigs([original])[0] : null;
    };
    if (d.action === "REMOVE" && !d.exemptedMember) {
      if (!svc) {
        svc = { service: d.service, auditLogConfigs: [] };
        next.push(svc);
      }
      const logs = svc.auditLogConfigs ?? [];
      if (!logs.some((l) => l.logType === d.logType)) {
        remember();
        svc.auditLogConfigs = [...logs, { logType: d.logType }];
        changed = true;
      }
    } else if (d.action === "ADD" && d.exemptedMember && svc) {
      for (const l of svc.auditLogConfigs ?? []) {
        if (l.logType === d.logType && (l.exemptedMembers ?? []).includes(d.exemptedMember)) {
          remember();
          l.exemptedMembers = (l.exemptedMembers ?? []).filter((m) => m !== d.exemptedMember);
          if (!l.exemptedMembers.length) delete l.exemptedMembers;
          changed = true;
        }
      }
    }
  }
  return { auditConfigs: next, before, changed };
}

/** Puts each service's audit config back as recorded; returns whether anything differed. */
export function restoreAuditConfigs(
  configs: AuditConfig[] | null | undefined,
  before: Record<string, AuditConfig | null>,
): { auditConfigs: AuditConfig[]; changed: boolean } {
  let next = cloneConfigs(configs);
  const original = JSON.stringify(next);
  for (const [service, config] of Object.entries(before)) {
    next = next.filter((c) => c.service !== service);
    if (config) next.push(config);
  }
  next.sort((a, b) => (a.service ?? "").localeCompare(b.service ?? ""));
  const sortedOriginal = JSON.stringify(
    cloneConfigs(JSON.parse(original)).sort((a, b) => (a.service ?? "").localeCompare(b.service ?? "")),
  );
  return { auditConfigs: next, changed: JSON.stringify(next) !== sortedOriginal };
}
