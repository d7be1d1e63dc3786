import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gcpRoleData } from "../../detection/referenceData";
import { coverWithPredefinedRoles } from "../../remediation/leastPrivilege/gcpCover";
import { buildGcpRoleIndex } from "../../remediation/leastPrivilege/gcpRoleIndex";
import { type CoverSet, weightedSetCover } from "../../remediation/leastPrivilege/setCover";

/** The exact optimum by trying every subset of sets (small instances only). */
function bruteForce(n: number, sets: CoverSet[]): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << sets.length; mask++) {
    const covered = new Set<number>();
    let cost = 0;
    for (let i = 0; i < sets.length; i++) {
      if (!(mask & (1 << i))) continue;
      cost += sets[i].cost;
      for (const e of Array.from(sets[i].elems)) covered.add(e);
    }
    if (covered.size === n && cost < best) best = cost;
  }
  return best;
}

function covers(n: number, sets: CoverSet[], chosen: number[]): boolean {
  const covered = new Set<number>();
  for (const i of chosen) for (const e of Array.from(sets[i].elems)) covered.add(e);
  return covered.size === n;
}

/** Random instances where every element is in at least one set (so a cover exists). */
const instance = fc
  .integer({ min: 1, max: 10 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      sets: fc.array(
        fc.record({
          elems: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n }),
          cost: fc.integer({ min: 0, max: 60 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
  )
  .map(({ n, sets }) => {
    // Make the instance feasible: each element missing from every set gets a singleton.
    const seen = new Set(sets.flatMap((s) => s.elems));
    const extra: CoverSet[] = [];
    for (let e = 0; e < n; e++) if (!seen.has(e)) extra.push({ elems: [e], cost: 7 + e });
    return { n, sets: [...sets, ...extra].slice(0, 14) as CoverSet[] };
  })
  .filter(({ n, sets }) =>
    covers(
      n,
      sets,
      sets.map((_, i) => i),
    ),
  );

describe("weighted set cover", () => {
  it("equals the brute-force optimum on small random instances", () => {
    fc.assert(
      fc.property(instance, ({ n, sets }) => {
        const res = weightedSetCover(n, sets);
        expect(res.uncovered).toEqual([]);
        expect(covers(n, sets, res.chosen)).toBe(true);
        expect(res.optimal).toBe(true);
        const chosenCost = res.chosen.reduce((s, i) => s + sets[i].cost, 0);
        expect(chosenCost).toBe(res.cost);
        expect(res.cost).toBe(bruteForce(n, sets));
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it("beats greedy where the ratio rule is fooled", () => {
    // Greedy takes the big cheap-per-element set first and then needs both halves anyway.
    const sets: CoverSet[] = [
      { elems: [0, 1, 2, 3], cost: 10 },
      { elems: [0, 1, 4], cost: 8 },
      { elems: [2, 3, 5], cost: 8 },
    ];
    const res = weightedSetCover(6, sets);
    expect(res.chosen).toEqual([1, 2]);
    expect(res.cost).toBe(16);
  });

  it("reports elements no set contains instead of pretending to cover them", () => {
    const res = weightedSetCover(3, [{ elems: [0, 1], cost: 1 }]);
    expect(res.uncovered).toEqual([2]);
    expect(res.chosen).toEqual([0]);
  });
});

describe("predefined role cover on real GCP roles", () => {
  const all = gcpRoleData().roles;
  // Small families of real roles, so brute force over every subset stays cheap.
  const families = ["roles/pubsub.", "roles/storage.", "roles/cloudsql.", "roles/logging.", "roles/run."];

  for (const prefix of families) {
    it(`picks the cheapest role set for used permissions among ${prefix}*`, () => {
      const names = Object.keys(all)
        .filter((r) => r.startsWith(prefix) && !/serviceAgent$/i.test(r) && all[r].permissions.length)
        .sort()
        .slice(0, 10);
      const source = Object.fromEntries(names.map((r) => [r, all[r]]));
      const index = buildGcpRoleIndex(source);
      const perms = [...new Set(names.flatMap((r) => all[r].permissions))].sort();
      fc.assert(
        fc.property(fc.uniqueArray(fc.constantFrom(...perms), { minLength: 1, maxLength: 6 }), (used) => {
          const cover = coverWithPredefinedRoles(used, index);
          expect(cover.uncoverable).toEqual([]);
          // Every used permission is held by the chosen roles.
          const held = new Set(cover.best.roles.flatMap((r) => all[r].permissions));
          for (const p of used) expect(held.has(p)).toBe(true);
          // Brute force over every subset of the family with the same cost model.
          const u = new Set(used);
          let best = Infinity;
          for (let mask = 1; mask < 1 << index.roles.length; mask++) {
            let cost = 0;
            const got = new Set<string>();
            for (let r = 0; r < index.roles.length; r++) {
              if (!(mask & (1 << r))) continue;
              let inWeight = 0;
              for (const id of index.rolePerms[r]) {
                const name = index.permNames[id];
                if (u.has(name)) {
                  got.add(name);
                  inWeight += index.permWeight[id];
                }
              }
              cost += index.roleFullCost[r] - inWeight;
            }
            if (got.size === u.size && cost < best) best = cost;
          }
          expect(cover.best.optimal).toBe(true);
          expect(cover.best.cost).toBeCloseTo(best, 9);
        }),
        { numRuns: 25, seed: 4 },
      );
    });
  }
});
