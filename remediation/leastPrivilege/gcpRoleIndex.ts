import { type GcpRole, gcpRoleData } from "../../detection/referenceData";
import { ADMIN_ROLE_SURCHARGE, isAdminRole, permissionWeight, ROLE_BASE_COST } from "./permissionRisk";

/**
 * The GCP predefined roles a recommendation may propose, indexed for the set cover: permission
 * id → roles holding it, and each role's total risk weight, computed once per process.
 * Left out: roles with no permissions, DEPRECATED roles and service-agent roles (Google grants
 * those to its own agents; a person or workload should never hold one).
 */
export interface GcpRoleIndex {
  roles: string[];
  rolePerms: Int32Array[];
  /** Σ of permission weights over the role's permissions, plus base and admin surcharge. */
  roleFullCost: Float64Array;
  permNames: string[];
  permId: Map<string, number>;
  permRoles: Int32Array[];
  permWeight: Float64Array;
}

export function isProposableRole(name: string, role: GcpRole): boolean {
  return role.permissions.length > 0 && role.stage !== "DEPRECATED" && !/serviceagent$/i.test(name);
}

export function buildGcpRoleIndex(source: Record<string, GcpRole>): GcpRoleIndex {
  const permId = new Map<string, number>();
  const permNames: string[] = [];
  const roles: string[] = [];
  const rolePerms: Int32Array[] = [];
  const permRoleLists: number[][] = [];
  for (const name of Object.keys(source).sort()) {
    const role = source[name];
    if (!isProposableRole(name, role)) continue;
    const r = roles.length;
    roles.push(name);
    const ids = new Int32Array(role.permissions.length);
    role.permissions.forEach((p, k) => {
      let id = permId.get(p);
      if (id === undefined) {
        id = permNames.length;
        permId.set(p, id);
        permNames.push(p);
        permRoleLists.push([]);
      }
      ids[k] = id;
      permRoleLists[id].push(r);
    });
    rolePerms.push(ids);
  }
  const permWeight = new Float64Array(permNames.length);
  permNames.forEach((p, i) => {
    permWeight[i] = permissionWeight(p);
  });
  const roleFullCost = new Float64Array(roles.length);
  roles.forEach((name, r) => {
    let c = ROLE_BASE_COST + (isAdminRole(name) ? ADMIN_ROLE_SURCHARGE : 0);
    for (const id of rolePerms[r]) c += permWeight[id];
    roleFullCost[r] = c;
  });
  return {
    roles,
    rolePerms,
    roleFullCost,
    permNames,
    permId,
    permRoles: permRoleLists.map((l) => Int32Array.from(l)),
    permWeight,
  };
}

let shared: GcpRoleIndex | undefined;
/** The index over the shared GCP role data (detection/referenceData), built on first use. */
export function gcpRoleIndex(): GcpRoleIndex {
  shared ??= buildGcpRoleIndex(gcpRoleData().roles);
  return shared;
}
