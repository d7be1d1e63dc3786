/**
 * Weighted set cover over a small universe (the permissions one principal used): choose sets
 * (roles) covering every element at the least total cost.
 *
 * 1. Reduce: sets with identical coverage keep only the cheapest; a set whose coverage is
 *    contained in a no-more-expensive set's is dropped (it can never improve a cover).
 * 2. Greedy with the classic ratio rule (cost / newly covered), then a cleanup pass dropping
 *    sets made redundant by later picks, most expensive first.
 * 3. Exact branch and bound seeded with the greedy cost, within a node budget: on the sizes a
 *    real principal has it finishes and the answer is optimal; if the budget runs out the best
 *    cover found so far is returned and `optimal` is false.
 */

export interface CoverSet {
  /** Elements of the universe (0..n-1) the set contains; others are ignored. */
  elems: ArrayLike<number>;
  cost: number;
}

export interface CoverResult {
  /** Indices into the input sets, ascending. */
  chosen: number[];
  cost: number;
  /** True when branch and bound proved the cover minimal. */
  optimal: boolean;
  /** Elements no set contains (they cannot be covered). */
  uncovered: number[];
}

export interface CoverOptions {
  /** Branch-and-bound nodes to explore before settling for the best cover found. */
  nodeBudget?: number;
}

const EPS = 1e-9;

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function weightedSetCover(n: number, sets: readonly CoverSet[], opts: CoverOptions = {}): CoverResult {
  const W = Math.max(1, Math.ceil(n / 32));
  const nodeBudget = opts.nodeBudget ?? 20_000;

  // Coverage bitsets of the sets that cover anything, deduped by coverage (cheapest wins).
  const bySignature = new Map<string, number>();
  const bits: Uint32Array[] = [];
  const covered = new Uint32Array(W);
  for (let i = 0; i < sets.length; i++) {
    const b = new Uint32Array(W);
    let any = false;
    const el = sets[i].elems;
    for (let k = 0; k < el.length; k++) {
      const e = el[k];
      if (e >= 0 && e < n) {
        b[e >>> 5] |= 1 << (e & 31);
        any = true;
      }
    }
    bits.push(b);
    if (!any) continue;
    for (let w = 0; w < W; w++) covered[w] |= b[w];
    const sig = b.join(",");
    const prev = bySignature.get(sig);
    if (prev === undefined || sets[i].cost < sets[prev].cost - EPS) bySignature.set(sig, i);
  }
  const uncovered: number[] = [];
  for (let e = 0; e < n; e++) if (!(covered[e >>> 5] & (1 << (e & 31)))) uncovered.push(e);

  // Dominance: drop a set if another covers a superset at no greater cost.
  let cand = [...bySignature.values()];
  const size = new Map<number, number>();
  for (const i of cand) {
    let c = 0;
    for (let w = 0; w < W; w++) c += popcount(bits[i][w]);
    size.set(i, c);
  }
  cand.sort((a, b) => size.get(b)! - size.get(a)! || sets[a].cost - sets[b].cost || a - b);
  const kept: number[] = [];
  for (const i of cand) {
    const bi = bits[i];
    let dominated = false;
    for (const j of kept) {
      if (sets[j].cost > sets[i].cost + EPS) continue;
      const bj = bits[j];
      let subset = true;
      for (let w = 0; w < W; w++) {
        if ((bi[w] & ~bj[w]) !== 0) {
          subset = false;
          break;
        }
      }
      if (subset) {
        dominated = true;
        break;
      }
    }
    if (!dominated) kept.push(i);
  }
  cand = kept.sort((a, b) => a - b);
  if (cand.length === 0) return { chosen: [], cost: 0, optimal: true, uncovered };

  // ---- greedy ----
  const open = covered.slice();
  const greedy: number[] = [];
  for (;;) {
    let best = -1;
    let bestRatio = Infinity;
    let bestNew = 0;
    for (const i of cand) {
      let c = 0;
      const b = bits[i];
      for (let w = 0; w < W; w++) c += popcount(b[w] & open[w]);
      if (c === 0) continue;
      const ratio = sets[i].cost / c;
      if (ratio < bestRatio - EPS || (Math.abs(ratio - bestRatio) <= EPS && c > bestNew)) {
        best = i;
        bestRatio = ratio;
        bestNew = c;
      }
    }
    if (best < 0) break;
    greedy.push(best);
    for (let w = 0; w < W; w++) open[w] &= ~bits[best][w];
  }
  let chosen = cleanup(greedy, bits, sets, W);
  let bestCost = chosen.reduce((s, i) => s + sets[i].cost, 0);

  // ---- exact branch and bound ----
  // Per element: the sets containing it (cheapest first) and a per-element share lower bound.
  const elemSets: number[][] = Array.from({ length: n }, () => []);
  const share = new Float64Array(n).fill(Infinity);
  const minCost = new Float64Array(n).fill(Infinity);
  for (const i of cand) {
    const c = size.get(i)!;
    for (let e = 0; e < n; e++) {
      if (bits[i][e >>> 5] & (1 << (e & 31))) {
        elemSets[e].push(i);
        share[e] = Math.min(share[e], sets[i].cost / c);
        minCost[e] = Math.min(minCost[e], sets[i].cost);
      }
    }
  }
  for (const list of elemSets) list.sort((a, b) => sets[a].cost - sets[b].cost || a - b);

  let nodes = 0;
  let exhausted = false;
  const path: number[] = [];
  const lowerBound = (u: Uint32Array): number => {
    let sum = 0;
    let max = 0;
    for (let w = 0; w < W; w++) {
      let x = u[w];
      while (x) {
        const t = x & -x;
        const e = (w << 5) + (31 - Math.clz32(t));
        sum += share[e];
        if (minCost[e] > max) max = minCost[e];
        x ^= t;
      }
    }
    return Math.max(sum, max);
  };
  const search = (u: Uint32Array, cost: number): void => {
    if (exhausted) return;
    if (++nodes > nodeBudget) {
      exhausted = true;
      return;
    }
    // Branch on the open element with the fewest sets containing it.
    let pick = -1;
    let fewest = Infinity;
    for (let w = 0; w < W; w++) {
      let x = u[w];
      while (x) {
        const t = x & -x;
        const e = (w << 5) + (31 - Math.clz32(t));
        if (elemSets[e].length < fewest) {
          fewest = elemSets[e].length;
          pick = e;
        }
        x ^= t;
      }
    }
    if (pick < 0) {
      if (cost < bestCost - EPS) {
        bestCost = cost;
        chosen = [...path];
      }
      return;
    }
    if (cost + lowerBound(u) >= bestCost - EPS) return;
    for (const i of elemSets[pick]) {
      const next = new Uint32Array(W);
      for (let w = 0; w < W; w++) next[w] = u[w] & ~bits[i][w];
      const c = cost + sets[i].cost;
      if (c + lowerBound(next) >= bestCost - EPS) continue;
      path.push(i);
      search(next, c);
      path.pop();
    }
  };
  search(covered.slice(), 0);

  chosen = [...chosen].sort((a, b) => a - b);
  return { chosen, cost: bestCost, optimal: !exhausted, uncovered };
}

/** Drops sets whose elements the other chosen sets already cover, most expensive first. */
function cleanup(chosen: number[], bits: Uint32Array[], sets: readonly CoverSet[], W: number): number[] {
  const result = [...chosen];
  const order = [...chosen].sort((a, b) => sets[b].cost - sets[a].cost || b - a);
  for (const i of order) {
    const others = new Uint32Array(W);
    for (const j of result) if (j !== i) for (let w = 0; w < W; w++) others[w] |= bits[j][w];
    let redundant = true;
    for (let w = 0; w < W; w++) {
      if ((bits[i][w] & ~others[w]) !== 0) {
        redundant = false;
        break;
      }
    }
    if (redundant) result.splice(result.indexOf(i), 1);
  }
  return result;
}
