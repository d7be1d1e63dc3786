import { type GcpRoleIndex, gcpRoleIndex } from "./gcpRoleIndex";
import { ROLE_BASE_COST } from "./permissionRisk";
import { type CoverSet, weightedSetCover } from "./setCover";

/** One way to cover the used permissions with predefined roles. */
export interface RoleCover {
  roles: string[];
  /** Weighted cost: risk-weighted unused permissions plus per-role costs. */
  cost: number;
  /** Distinct permissions the roles grant together. */
  permissionCount: number;
  optimal: boolean;
}

export interface GcpCoverResult {
  best: RoleCover;
  /** Distinct covers found under other cost models, ranked by weighted cost (best first). */
  alternatives: RoleCover[];
  /** Used permissions no proposable predefined role holds (need a custom role). */
  uncoverable: string[];
}

/** Cost models the alternatives come from: weighted risk (the answer), plain excess count, fewer roles. */
const MODELS: { name: string; weighted: boolean; roleCost: number }[] = [
  { name: "weighted", weighted: true, roleCost: 0 },
  { name: "count", weighted: false, roleCost: 0 },
  { name: "fewer-roles", weighted: true, roleCost: 50 },
];

/**
 * The cheapest set of predefined roles covering `used`, where a role costs its unused
 * permissions weighted by risk (permissionRisk.ts). Touches only the roles that hold a used
 * permission, through the permission → roles index.
 */
export function coverWithPredefinedRoles(
  used: Iterable<string>,
  index: GcpRoleIndex = gcpRoleIndex(),
): GcpCoverResult {
  const universe: number[] = [];
  const uncoverable: string[] = [];
  for (const p of new Set(used)) {
    const id = index.permId.get(p);
    if (id === undefined) uncoverable.push(p);
    else universe.push(id);
  }
  universe.sort((a, b) => a - b);
  uncoverable.sort();

  // Candidate roles and, per role, the universe elements it holds and their weight / count.
  const local = new Map<number, { elems: number[]; inWeight: number }>();
  universe.forEach((perm, e) => {
    const w = index.permWeight[perm];
    for (const r of index.permRoles[perm]) {
      let c = local.get(r);
      if (!c) {
        c = { elems: [], inWeight: 0 };
        local.set(r, c);
      }
      c.elems.push(e);
      c.inWeight += w;
    }
  });
  const roleIds = [...local.keys()].sort((a, b) => a - b);

  const covers: RoleCover[] = [];
  for (const model of MODELS) {
    const sets: CoverSet[] = roleIds.map((r) => {
      const c = local.get(r)!;
      const cost = model.weighted
        ? index.roleFullCost[r] - c.inWeight + model.roleCost
        : index.rolePerms[r].length - c.elems.length + ROLE_BASE_COST + model.roleCost;
      return { elems: c.elems, cost };
    });
    // Only the weighted cover is the answer; alternatives are for ranking, a short search will do.
    const res = weightedSetCover(
      universe.length,
      sets,
      model.weighted && model.roleCost === 0 ? {} : { nodeBudget: 500 },
    );
    const roles = res.chosen.map((i) => roleIds[i]);
    covers.push({
      roles: roles.map((r) => index.roles[r]).sort(),
      cost: weightedCost(index, roles, local),
      permissionCount: unionSize(index, roles),
      optimal: model.name === "weighted" ? res.optimal : false,
    });
  }
  const best = covers[0];
  const seen = new Set<string>();
  const alternatives = covers
    .filter((c) => {
      const key = c.roles.join(" ");
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.cost - b.cost || a.permissionCount - b.permissionCount);
  return { best, alternatives, uncoverable };
}

function weightedCost(
  index: GcpRoleIndex,
  roles: number[],
  local: Map<number, { elems: number[]; inWeight: number }>,
): number {
  return roles.reduce((s, r) => s + index.roleFullCost[r] - local.get(r)!.inWeight, 0);
}

function unionSize(index: GcpRoleIndex, roles: number[]): number {
  if (roles.length === 1) return index.rolePerms[roles[0]].length;
  const seen = new Set<number>();
  for (const r of roles) for (const p of index.rolePerms[r]) seen.add(p);
  return seen.size;
}
