import type { RemediationAction } from "../../detection/model";
import type { RetryOptions } from "../errors";
import { classifyGoogleError, defaultRetry, RemediationError, withRetry } from "../errors";
import type { ActionHandler } from "../executor";
import type { GcpClients } from "../gcpClients";
import { GcpPolicyClient } from "../gcpExecutor";
import type { IamPolicy, RemovedMember } from "../gcpPolicyEdit";
import { addMembers, removeMembers } from "../gcpPolicyEdit";
import { parseGcpResource } from "../gcpResource";

/**
 * Executor for `gcp.replaceRoles` (a least-privilege recommendation): in one etag-guarded
 * read-modify-write of the resource's IAM policy, takes the member out of the roles it does not
 * need and binds it to the smaller ones. Only unconditional bindings of that member change;
 * conditional bindings, other members and auditConfigs are written back as read. The before
 * state records exactly which (role, member) pairs were removed and added, so undo puts the
 * policy back as it was. A proposed custom role is created first (and deleted on undo).
 */

export interface ReplaceRolesParams {
  resource: string;
  member: string;
  removeRoles: string[];
  addRoles: string[];
  createCustomRole?: { roleId: string; name: string; title: string; permissions: string[] };
}

export interface ReplaceRolesBefore {
  resource: string;
  removed: RemovedMember[];
  added: RemovedMember[];
  /** Custom role this step created (undo deletes it); absent when it already existed. */
  createdRole?: string;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

export function replaceRolesParams(action: RemediationAction): ReplaceRolesParams {
  const p = action.params;
  if (typeof p.resource !== "string" || typeof p.member !== "string" || !p.member)
    throw new RemediationError("other", "gcp.replaceRoles needs params.resource and params.member");
  const c = p.createCustomRole as ReplaceRolesParams["createCustomRole"] | undefined;
  return {
    resource: p.resource,
    member: p.member,
    removeRoles: strings(p.removeRoles),
    addRoles: strings(p.addRoles),
    ...(c && typeof c.roleId === "string" ? { createCustomRole: c } : {}),
  };
}

const sameMember = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Pure: the policy with the member moved from `removeRoles` to `addRoles` (unconditional only). */
export function replaceRolesEdit(
  policy: IamPolicy,
  member: string,
  removeRoles: string[],
  addRoles: string[],
): { policy: IamPolicy; removed: RemovedMember[]; added: RemovedMember[] } {
  const out = removeMembers(
    policy,
    (m, b) => sameMember(m, member) && !b.condition && removeRoles.includes(b.role ?? ""),
  );
  const holds = (role: string) =>
    (out.policy.bindings ?? []).some(
      (b) => b.role === role && !b.condition && (b.members ?? []).some((m) => sameMember(m, member)),
    );
  const add = addRoles.filter((r) => !holds(r)).map((role) => ({ role, member }));
  const next = addMembers(out.policy, add);
  return { policy: next.policy, removed: out.removed, added: next.added };
}

/** Pure: undoes replaceRolesEdit from its record (pairs changed since are left as they are). */
export function restoreRolesEdit(
  policy: IamPolicy,
  before: Pick<ReplaceRolesBefore, "removed" | "added">,
): { policy: IamPolicy; changed: boolean } {
  const out = removeMembers(policy, (m, b) =>
    before.added.some((a) => a.role === b.role && !b.condition && a.member === m),
  );
  const back = addMembers(out.policy, before.removed);
  return { policy: back.policy, changed: out.removed.length + back.added.length > 0 };
}

function projectOf(roleName: string): string | undefined {
  return /^projects\/([^/]+)\/roles\//.exec(roleName)?.[1];
}

export function gcpReplaceRolesHandler(
  clients: GcpClients,
  opts: { retry?: RetryOptions; conflictAttempts?: number } = {},
): ActionHandler {
  const retry = opts.retry ?? defaultRetry;
  const pc = new GcpPolicyClient(clients, retry, opts.conflictAttempts ?? 5);
  const call = <T>(fn: () => Promise<T>, perm: string) =>
    withRetry(fn, (e) => classifyGoogleError(e, perm), retry);

  /** Creates the custom role; answers false when it already exists (someone else's to keep). */
  async function createRole(c: NonNullable<ReplaceRolesParams["createCustomRole"]>): Promise<boolean> {
    const project = projectOf(c.name);
    if (!project) throw new RemediationError("other", `custom role ${c.name} is not a project role`);
    try {
      await call(
        () =>
          clients.iam.projects.roles.create({
            parent: `projects/${project}`,
            requestBody: {
              roleId: c.roleId,
              role: { title: c.title, includedPermissions: c.permissions, stage: "GA" },
            },
          }),
        "iam.roles.create",
      );
      return true;
    } catch (err) {
      if (err instanceof RemediationError && err.kind === "conflict") return false;
      throw err;
    }
  }

  return {
    async execute(action) {
      const params = replaceRolesParams(action);
      const r = parseGcpResource(params.resource);
      if (!r || r.kind === "bucket")
        throw new RemediationError("other", `cannot replace roles on ${params.resource}`);
      const createdRole =
        params.createCustomRole && (await createRole(params.createCustomRole))
          ? params.createCustomRole.name
          : undefined;
      const result = await pc.readModifyWrite(r, (policy) => {
        const out = replaceRolesEdit(policy, params.member, params.removeRoles, params.addRoles);
        if (!out.removed.length && !out.added.length) return undefined;
        return { policy: out.policy, result: out };
      });
      if (!result) {
        return {
          status: createdRole ? "done" : "noop",
          message: `${params.member} on ${r.name} already holds exactly the proposed roles`,
          ...(createdRole ? { beforeState: { resource: r.name, removed: [], added: [], createdRole } } : {}),
        };
      }
      const before: ReplaceRolesBefore = {
        resource: r.name,
        removed: result.removed,
        added: result.added,
        ...(createdRole ? { createdRole } : {}),
      };
      const removedRoles = result.removed.map((x) => x.role).join(", ") || "nothing";
      const addedRoles = result.added.map((x) => x.role).join(", ") || "nothing";
      return {
        status: "done",
        message: `${params.member} on ${r.name}: removed ${removedRoles}; added ${addedRoles}`,
        beforeState: before,
      };
    },
    async undo(action, beforeState) {
      const params = replaceRolesParams(action);
      const r = parseGcpResource(params.resource);
      const before = beforeState as ReplaceRolesBefore | undefined;
      if (!r || r.kind === "bucket" || !before)
        return { status: "noop", message: "nothing recorded to undo" };
      const changed = await pc.readModifyWrite(r, (policy) => {
        const out = restoreRolesEdit(policy, before);
        return out.changed ? { policy: out.policy, result: true } : undefined;
      });
      // Bindings first: once the member is off the custom role, deleting it removes nothing.
      if (before.createdRole)
        await call(
          () => clients.iam.projects.roles.delete({ name: before.createdRole! }),
          "iam.roles.delete",
        );
      const roles = before.removed.map((x) => x.role).join(", ");
      return changed || before.createdRole
        ? { status: "undone", message: `${params.member} on ${r.name} holds ${roles || "its roles"} again` }
        : { status: "noop", message: `${r.name} already as it was for ${params.member}` };
    },
  };
}
