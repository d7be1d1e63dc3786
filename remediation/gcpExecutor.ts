import type { RemediationAction } from "../detection/model";
import { isPublicMember } from "../detection/model";
import type { RetryOptions } from "./errors";
import { classifyGoogleError, defaultRetry, RemediationError, withRetry } from "./errors";
import type { ActionHandler, Executors } from "./executor";
import type { GcpClients } from "./gcpClients";
import type { AuditConfig, AuditDelta, IamPolicy, RemovedMember } from "./gcpPolicyEdit";
import { addMembers, removeMembers, restoreAuditConfigs, reverseAuditDeltas } from "./gcpPolicyEdit";
import type { GcpPolicyResource } from "./gcpResource";
import { parseGcpResource } from "./gcpResource";
import { GCP_PERMISSIONS } from "./requiredPermissions";

/**
 * GCP executors over googleapis. IAM policies are edited read-modify-write with the policy's
 * etag: a concurrent change between read and write makes Google answer 409 ABORTED (Cloud
 * Storage: 412), and the edit is re-read and re-applied on the fresh policy. Reads ask for
 * policy version 3 so conditional bindings come back whole and are written back untouched.
 */

export interface GcpExecutorOptions {
  retry?: RetryOptions;
  /** Re-read-and-re-apply rounds on etag conflicts. */
  conflictAttempts?: number;
}

function str(params: Record<string, unknown>, key: string): string {
  const v = params[key];
  if (typeof v !== "string" || !v) throw new RemediationError("other", `action is missing params.${key}`);
  return v;
}

function resourceOf(action: RemediationAction): GcpPolicyResource {
  const r = parseGcpResource(str(action.params, "resource"));
  if (!r)
    throw new RemediationError("other", `cannot edit the IAM policy of ${String(action.params.resource)}`);
  return r;
}

export class GcpPolicyClient {
  constructor(
    private readonly clients: GcpClients,
    private readonly retry: RetryOptions = defaultRetry,
    private readonly conflictAttempts = 5,
  ) {}

  private perms(r: GcpPolicyResource): { get: string; set: string } {
    return GCP_PERMISSIONS.policy[r.kind];
  }

  async get(r: GcpPolicyResource): Promise<IamPolicy> {
    const perm = this.perms(r).get;
    return withRetry(
      async () => {
        if (r.kind === "bucket") {
          const res = await this.clients.storage.buckets.getIamPolicy({
            bucket: r.id,
            optionsRequestedPolicyVersion: 3,
          });
          return res.data as IamPolicy;
        }
        const requestBody = { options: { requestedPolicyVersion: 3 } };
        const api =
          r.kind === "project"
            ? this.clients.crm.projects
            : r.kind === "folder"
              ? this.clients.crm.folders
              : this.clients.crm.organizations;
        const res = await api.getIamPolicy({ resource: r.name, requestBody });
        return res.data as IamPolicy;
      },
      (e) => classifyGoogleError(e, perm),
      this.retry,
    );
  }

  async set(r: GcpPolicyResource, policy: IamPolicy, updateMask?: string): Promise<void> {
    const perm = this.perms(r).set;
    await withRetry(
      async () => {
        if (r.kind === "bucket") {
          const { auditConfigs: _ignored, ...body } = policy;
          await this.clients.storage.buckets.setIamPolicy({ bucket: r.id, requestBody: body as never });
          return;
        }
        const api =
          r.kind === "project"
            ? this.clients.crm.projects
            : r.kind === "folder"
              ? this.clients.crm.folders
              : this.clients.crm.organizations;
        await api.setIamPolicy({
          resource: r.name,
          requestBody: { policy: policy as never, ...(updateMask ? { updateMask } : {}) },
        });
      },
      (e) => classifyGoogleError(e, perm),
      this.retry,
    );
  }

  /**
   * Read, edit, write with the etag; on conflict read again and re-apply the edit to the new
   * policy. `edit` returns undefined when there is nothing to change.
   */
  async readModifyWrite<R>(
    r: GcpPolicyResource,
    edit: (policy: IamPolicy) => { policy: IamPolicy; result: R; updateMask?: string } | undefined,
  ): Promise<R | undefined> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(r);
      const out = edit(current);
      if (!out) return undefined;
      const next = { ...out.policy, etag: current.etag };
      try {
        await this.set(r, next, out.updateMask);
        return out.result;
      } catch (err) {
        if (err instanceof RemediationError && err.kind === "conflict" && attempt < this.conflictAttempts)
          continue;
        throw err;
      }
    }
  }
}

function describeRemoved(removed: RemovedMember[]): string {
  return removed.map((r) => `${r.member} from ${r.role}${r.condition ? " (conditional)" : ""}`).join(", ");
}

function removeHandler(
  pc: GcpPolicyClient,
  pick: (action: RemediationAction) => (member: string, role: string) => boolean,
): ActionHandler {
  return {
    async execute(action) {
      const r = resourceOf(action);
      const match = pick(action);
      const removed = await pc.readModifyWrite(r, (policy) => {
        const out = removeMembers(
          policy,
          (m, b) => match(m, b.role ?? "") && conditionMatches(action, b.condition),
        );
        return out.removed.length ? { policy: out.policy, result: out.removed } : undefined;
      });
      if (!removed) return { status: "noop", message: `nothing to remove on ${r.name}: already gone` };
      return {
        status: "done",
        message: `removed ${describeRemoved(removed)} on ${r.name}`,
        beforeState: { resource: r.name, removed },
      };
    },
    async undo(action, beforeState) {
      const r = resourceOf(action);
      const removed = ((beforeState as { removed?: RemovedMember[] } | undefined)?.removed ??
        []) as RemovedMember[];
      if (!removed.length) return { status: "noop", message: "nothing was removed, nothing to put back" };
      const added = await pc.readModifyWrite(r, (policy) => {
        const out = addMembers(policy, removed);
        return out.added.length ? { policy: out.policy, result: out.added } : undefined;
      });
      if (!added) return { status: "noop", message: `already back on ${r.name}` };
      return { status: "undone", message: `put back ${describeRemoved(added)} on ${r.name}` };
    },
  };
}

/** remove-binding names one binding: the unconditional one unless the evidence gave a condition. */
function conditionMatches(
  action: RemediationAction,
  condition: { expression?: string | null } | null | undefined,
) {
  if (action.kind !== "gcp.removeBinding") return true;
  const want = typeof action.params.condition === "string" ? action.params.condition : undefined;
  if (!want) return !condition;
  return (condition?.expression ?? "") === want;
}

function auditHandler(pc: GcpPolicyClient): ActionHandler {
  return {
    async execute(action) {
      const r = resourceOf(action);
      const deltas = (action.params.deltas ?? []) as AuditDelta[];
      const before = await pc.readModifyWrite(r, (policy) => {
        const out = reverseAuditDeltas(policy.auditConfigs, deltas);
        if (!out.changed) return undefined;
        return {
          policy: { ...policy, auditConfigs: out.auditConfigs },
          result: out.before,
          updateMask: "auditConfigs,etag",
        };
      });
      if (!before) return { status: "noop", message: `audit logging on ${r.name} is already as it was` };
      return {
        status: "done",
        message: `restored audit logging for ${Object.keys(before).join(", ")} on ${r.name}`,
        beforeState: { resource: r.name, auditConfigs: before },
      };
    },
    async undo(action, beforeState) {
      const r = resourceOf(action);
      const before = (beforeState as { auditConfigs?: Record<string, AuditConfig | null> } | undefined)
        ?.auditConfigs;
      if (!before) return { status: "noop", message: "nothing recorded to restore" };
      const done = await pc.readModifyWrite(r, (policy) => {
        const out = restoreAuditConfigs(policy.auditConfigs, before);
        return out.changed
          ? {
              policy: { ...policy, auditConfigs: out.auditConfigs },
              result: true,
              updateMask: "auditConfigs,etag",
            }
          : undefined;
      });
      return done
        ? {
            status: "undone",
            message: `put audit config of ${Object.keys(before).join(", ")} back on ${r.name}`,
          }
        : { status: "noop", message: `audit config on ${r.name} already as recorded` };
    },
  };
}

function toggleHandler(
  clients: GcpClients,
  retry: RetryOptions,
  what: "serviceAccount" | "key",
): ActionHandler {
  const perms = what === "key" ? GCP_PERMISSIONS.serviceAccountKey : GCP_PERMISSIONS.serviceAccount;
  const nameOf = (a: RemediationAction) => str(a.params, what === "key" ? "keyName" : "serviceAccount");
  const label = what === "key" ? "service account key" : "service account";
  const call = <T>(fn: () => Promise<T>, perm: string) =>
    withRetry(fn, (e) => classifyGoogleError(e, perm), retry);
  const isDisabled = async (name: string): Promise<boolean> => {
    const res =
      what === "key"
        ? await call(() => clients.iam.projects.serviceAccounts.keys.get({ name }), perms.get)
        : await call(() => clients.iam.projects.serviceAccounts.get({ name }), perms.get);
    return Boolean(res.data.disabled);
  };
  return {
    async execute(action) {
      const name = nameOf(action);
      if (await isDisabled(name)) return { status: "noop", message: `${label} ${name} is already disabled` };
      if (what === "key") {
        await call(
          () => clients.iam.projects.serviceAccounts.keys.disable({ name, requestBody: {} }),
          perms.disable,
        );
      } else {
        await call(
          () => clients.iam.projects.serviceAccounts.disable({ name, requestBody: {} }),
          perms.disable,
        );
      }
      return { status: "done", message: `disabled ${label} ${name}`, beforeState: { name, disabled: false } };
    },
    async undo(action, beforeState) {
      const name = nameOf(action);
      if ((beforeState as { disabled?: boolean } | undefined)?.disabled !== false) {
        return { status: "noop", message: `${label} ${name} was not enabled before; left as is` };
      }
      if (!(await isDisabled(name)))
        return { status: "noop", message: `${label} ${name} is already enabled` };
      if (what === "key") {
        await call(
          () => clients.iam.projects.serviceAccounts.keys.enable({ name, requestBody: {} }),
          perms.enable,
        );
      } else {
        await call(
          () => clients.iam.projects.serviceAccounts.enable({ name, requestBody: {} }),
          perms.enable,
        );
      }
      return { status: "undone", message: `re-enabled ${label} ${name}` };
    },
  };
}

export function gcpExecutors(clients: GcpClients, opts: GcpExecutorOptions = {}): Executors {
  const retry = opts.retry ?? defaultRetry;
  const pc = new GcpPolicyClient(clients, retry, opts.conflictAttempts ?? 5);
  return {
    "gcp.removeBinding": removeHandler(pc, (a) => {
      const member = str(a.params, "member");
      const role = str(a.params, "role");
      return (m, r) => m === member && r === role;
    }),
    "gcp.removePublicMembers": removeHandler(pc, (a) => {
      const members = Array.isArray(a.params.members) ? (a.params.members as string[]) : [];
      const role = typeof a.params.role === "string" ? a.params.role : undefined;
      return (m, r) => isPublicMember(m) && (!members.length || members.includes(m)) && (!role || r === role);
    }),
    "gcp.removeMemberEverywhere": removeHandler(pc, (a) => {
      const member = str(a.params, "member");
      return (m) => m === member;
    }),
    "gcp.restoreAuditConfig": auditHandler(pc),
    "gcp.disableServiceAccountKey": toggleHandler(clients, retry, "key"),
    "gcp.disableServiceAccount": toggleHandler(clients, retry, "serviceAccount"),
  };
}
