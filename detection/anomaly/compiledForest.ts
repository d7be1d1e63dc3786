/**
 * The scoring form of an isolation forest, compiled from its node arrays (isolationForest.ts).
 * Scores exactly what walking the trees node by node gives (bit for bit); only faster:
 *
 * 1. Thresholds as integers. For each feature, the split values of all trees are sorted once.
 *    A row is first turned into q[f] = how many of feature f's split values are ≤ x[f] (a bucket
 *    lookup; a single compare for the usual 0). A node splitting feature f at its j-th value
 *    (0-based) sends x left exactly when x < v, i.e. q[f] < j + 1. Integer compares choose a
 *    child without a branch: (q − J) >> 31 is −1 when q < J, else 0. No mispredicted branch per
 *    node, so the CPU overlaps the walks of the four rows scoreMany walks side by side.
 * 2. Each tree's body as a complete binary tree of its own depth (children of p at 2p+1 and
 *    2p+2, leaves copied down to the last level): a walk is a fixed number of steps, and the
 *    leaf already holds depth + c(size), so a row's path length is one load per tree.
 * 3. The "head" of a tree: the chain of nodes from the root that have a leaf as one child (the
 *    domain guards of fit(), and any early single-point exit) is kept apart as a short list, so
 *    it does not blow up the complete layout. A row whose q is 0 in every feature a tree's head
 *    exits on the right for skips that head without looking at it (a per-row bit mask).
 * 4. Zeros go left: q = 0 is below every cut, so a row follows a body's leftmost path until
 *    the first node splitting one of its nonzero features, and the walk starts there.
 * 5. Rows with at most one feature off zero (the usual event, and most probes of the
 *    explanations) have a path-length sum that depends on that one q alone: tabulated per
 *    feature when the forest is built, so such a row costs its quantization and one load.
 *
 * Per-row sums are added in tree order on every path (tables included), so a batch scores
 * bit-for-bit as row by row, and as the plain walk of the stored trees (tested).
 */

const LEAF = -1;
/** Rows per block in scoreMany: 1024 rows × 13 features of int32 = 52 KB, beside the trees in L2. */
const BLOCK = 1024;
/** Tables (see `single`) cost entries × trees walks to build: about 20 ms at this bound. */
const MAX_TABLE_WALKS = 5_000_000;
/** Features with fewer cuts than this are binary-searched without a bucket index. */
const MIN_BUCKETED_CUTS = 16;
/** Complete layout limit: fit() bounds the height by ⌈log2 16384⌉ = 14. */
const MAX_BODY_DEPTH = 20;

export class CompiledForest {
  readonly nTrees: number;
  /** Sorted distinct split values, feature by feature; feature f's are cuts[cutStart[f]..cutStart[f+1]). */
  private readonly cuts: Float64Array;
  private readonly cutStart: Int32Array;
  /** Each feature's lowest cut (+∞ when it has none): below it, q = 0 at once. */
  private readonly firstCut: Float64Array;
  /**
   * A bucket index over each feature's cuts, so quantizing is a lookup plus a search of a few
   * cuts: bucket b of feature f is floor((x − first cut) × bucketScale[f]), and the cuts whose
   * bucket is b are cuts[bucketFirst[bucketStart[f] + b] .. bucketFirst[bucketStart[f] + b + 1]).
   * The bucket is monotone in x, so cuts in lower buckets are < x and in higher ones > x: exact.
   * bucketScale[f] = 0: no index (few cuts), plain binary search.
   */
  private readonly bucketScale: Float64Array;
  private readonly bucketStart: Int32Array;
  private readonly bucketCount: Int32Array;
  private readonly bucketFirst: Int32Array;
  /** Head chain per tree: nodes headStart[t]..headStart[t+1]. */
  private readonly headStart: Int32Array;
  private readonly headFeature: Int32Array;
  private readonly headCut: Int32Array;
  /** 1 when the leaf hangs on the left (the row exits when q < cut), 0 when on the right. */
  private readonly headExitLeft: Uint8Array;
  private readonly headValue: Float64Array;
  /** Features the tree's head tests; rows with q = 0 in all of them pass it (right exits only). */
  private readonly headMask: Int32Array;
  /** 1 when the mask cannot vouch for the head (a left exit, or more than 31 features). */
  private readonly headAlways: Uint8Array;
  /** Body per tree: depth, first internal node, leaf base minus the internal node count. */
  private readonly bodyDepth: Int32Array;
  private readonly bodyNode: Int32Array;
  private readonly bodyLeaf: Int32Array;
  /** Body node: cut << 8 | feature, one load per step (at most 254 features, 2^23 − 1 cuts each). */
  private readonly node: Int32Array;
  private readonly leafValue: Float64Array;
  /**
   * Depth of the first node on the body's leftmost path that splits feature f, at
   * [t * nFeatures + f]; the body depth when none does. A row with q = 0 goes left at every node
   * (cuts count from 1), so a row whose nonzero features are first split at depth k starts there.
   */
  private readonly firstSplit: Uint8Array;
  /**
   * Path-length sums of the rows with at most one feature off zero (q > 0 in one feature f):
   * such a row's sum depends on q[f] alone, so it is tabulated, at single[cutStart[f] + f + q[f]],
   * and so is its score (singleScore). Empty when the forest is too large to tabulate (or has
   * more than 31 features).
   */
  private readonly single: Float64Array;
  private readonly singleScore: Float64Array;
  /** Scratch for one row (score is synchronous: never shared between two calls in flight). */
  private readonly rowQ: Int32Array;

  /**
   * `averagePath` is c(ψ), the normaliser of the score s = 2^(−E[h(x)] / c(ψ)); the arrays are
   * IsolationForest's nodes (preorder, left child of node i at i + 1).
   */
  constructor(
    readonly nFeatures: number,
    feature: Int32Array,
    value: Float64Array,
    right: Int32Array,
    roots: Int32Array,
    private readonly averagePath: number,
  ) {
    if (nFeatures < 1 || nFeatures > 254) throw new Error("CompiledForest: 1..254 features");
    const T = roots.length;
    this.nTrees = T;

    // 1. Distinct split values per feature.
    const perFeature: number[][] = Array.from({ length: nFeatures }, () => []);
    for (let i = 0; i < feature.length; i++) if (feature[i] !== LEAF) perFeature[feature[i]].push(value[i]);
    this.cutStart = new Int32Array(nFeatures + 1);
    const sorted = perFeature.map((vs) => {
      const s = Float64Array.from(vs).sort();
      let n = 0;
      for (let k = 0; k < s.length; k++) if (n === 0 || s[k] !== s[n - 1]) s[n++] = s[k];
      return s.subarray(0, n);
    });
    for (let f = 0; f < nFeatures; f++) this.cutStart[f + 1] = this.cutStart[f] + sorted[f].length;
    this.cuts = new Float64Array(this.cutStart[nFeatures]);
    for (let f = 0; f < nFeatures; f++) this.cuts.set(sorted[f], this.cutStart[f]);
    this.firstCut = Float64Array.from(sorted, (c) => (c.length ? c[0] : Number.POSITIVE_INFINITY));
    this.bucketScale = new Float64Array(nFeatures);
    this.bucketStart = new Int32Array(nFeatures);
    this.bucketCount = new Int32Array(nFeatures);
    const firsts: number[] = [];
    for (let f = 0; f < nFeatures; f++) {
      const c = sorted[f];
      const span = c.length ? c[c.length - 1] - c[0] : 0;
      if (c.length < MIN_BUCKETED_CUTS || !(span > 0 && span < Number.POSITIVE_INFINITY)) continue;
      const B = c.length;
      const scale = B / span;
      if (!(scale < Number.POSITIVE_INFINITY)) continue;
      this.bucketScale[f] = scale;
      this.bucketStart[f] = firsts.length;
      this.bucketCount[f] = B;
      for (let b = 0, k = 0; b <= B; b++) {
        while (k < c.length && Math.min(B - 1, Math.floor((c[k] - c[0]) * scale)) < b) k++;
        firsts.push(this.cutStart[f] + k);
      }
    }
    this.bucketFirst = Int32Array.from(firsts);
    const cutOf = (f: number, v: number): number => {
      let lo = this.cutStart[f];
      let hi = this.cutStart[f + 1];
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (this.cuts[m] < v) lo = m + 1;
        else hi = m;
      }
      if (!(this.cuts[lo] === v)) throw new Error("CompiledForest: split value not among the cuts");
      return lo - this.cutStart[f] + 1;
    };

    // 2. Heads, then bodies.
    const depthOf = (i: number): number =>
      feature[i] === LEAF ? 0 : 1 + Math.max(depthOf(i + 1), depthOf(right[i]));
    const hFeature: number[] = [];
    const hCut: number[] = [];
    const hLeft: number[] = [];
    const hValue: number[] = [];
    this.headStart = new Int32Array(T + 1);
    this.headMask = new Int32Array(T);
    this.headAlways = new Uint8Array(T);
    this.bodyDepth = new Int32Array(T);
    this.bodyNode = new Int32Array(T);
    this.bodyLeaf = new Int32Array(T);
    const bodyRoot = new Int32Array(T);
    let nodes = 0;
    let leaves = 0;
    for (let t = 0; t < T; t++) {
      this.headStart[t] = hFeature.length;
      let i = roots[t];
      let mask = 0;
      let always = nFeatures > 31 ? 1 : 0;
      while (feature[i] !== LEAF) {
        const l = i + 1;
        const r = right[i];
        const leftLeaf = feature[l] === LEAF;
        if (!leftLeaf && feature[r] !== LEAF) break;
        hFeature.push(feature[i]);
        hCut.push(cutOf(feature[i], value[i]));
        hLeft.push(leftLeaf ? 1 : 0);
        const exit = leftLeaf ? value[l] : value[r];
        // Path lengths are ≥ 0; headExit uses −1 for "passed".
        if (!(exit >= 0)) throw new Error("CompiledForest: negative path length at a leaf");
        hValue.push(exit);
        if (leftLeaf) always = 1;
        else if (feature[i] < 31) mask |= 1 << feature[i];
        i = leftLeaf ? r : l;
      }
      this.headMask[t] = mask;
      this.headAlways[t] = always;
      bodyRoot[t] = i;
      const d = depthOf(i);
      if (d > MAX_BODY_DEPTH) throw new Error(`CompiledForest: tree ${t} is ${d} levels deep`);
      this.bodyDepth[t] = d;
      this.bodyNode[t] = nodes;
      this.bodyLeaf[t] = leaves - ((1 << d) - 1);
      nodes += (1 << d) - 1;
      leaves += 1 << d;
    }
    this.headStart[T] = hFeature.length;
    this.headFeature = Int32Array.from(hFeature);
    this.headCut = Int32Array.from(hCut);
    this.headExitLeft = Uint8Array.from(hLeft);
    this.headValue = Float64Array.from(hValue);

    // Complete layout: a leaf above the last level is copied to every slot below it; the
    // padding nodes above those copies may send the row either way (feature 0, cut 0: right).
    const maxCut = 2 ** 23 - 1;
    for (let f = 0; f < nFeatures; f++) {
      if (this.cutStart[f + 1] - this.cutStart[f] > maxCut)
        throw new Error("CompiledForest: too many split values");
    }
    this.node = new Int32Array(nodes);
    this.leafValue = new Float64Array(leaves);
    for (let t = 0; t < T; t++) {
      const H = this.bodyDepth[t];
      const nb = this.bodyNode[t];
      const lb = this.bodyLeaf[t];
      const fill = (src: number, p: number, d: number): void => {
        if (d === H) {
          this.leafValue[lb + p] = value[src];
          return;
        }
        if (feature[src] === LEAF) {
          fill(src, 2 * p + 1, d + 1);
          fill(src, 2 * p + 2, d + 1);
          return;
        }
        this.node[nb + p] = (cutOf(feature[src], value[src]) << 8) | feature[src];
        fill(src + 1, 2 * p + 1, d + 1);
        fill(right[src], 2 * p + 2, d + 1);
      };
      fill(bodyRoot[t], 0, 0);
    }
    this.firstSplit = new Uint8Array(T * nFeatures);
    for (let t = 0; t < T; t++) {
      const H = this.bodyDepth[t];
      this.firstSplit.fill(H, t * nFeatures, (t + 1) * nFeatures);
      // Down the leftmost path (left child of p at 2p + 1); padding nodes (word 0) split nothing.
      for (let d = H - 1; d >= 0; d--) {
        const w = this.node[this.bodyNode[t] + (1 << d) - 1];
        if (w !== 0) this.firstSplit[t * nFeatures + (w & 255)] = d;
      }
    }
    this.rowQ = new Int32Array(nFeatures);

    // 4. Tables for rows with at most one feature off zero, summed by the same walk as any row.
    const entries = this.cutStart[nFeatures] + nFeatures;
    this.single = new Float64Array(nFeatures <= 31 && entries * T <= MAX_TABLE_WALKS ? entries : 0);
    if (this.single.length > 0) {
      const q = new Int32Array(nFeatures);
      for (let f = 0; f < nFeatures; f++) {
        const at = this.cutStart[f] + f;
        for (let j = 0; j <= this.cutStart[f + 1] - this.cutStart[f]; j++) {
          q[f] = j;
          this.single[at + j] = this.sumTrees(q, j > 0 ? 1 << f : 0);
        }
        q[f] = 0;
      }
    }
    this.singleScore = this.single.map((total) => this.scoreOf(total));
  }

  /**
   * Writes q[f] = number of feature f's cuts ≤ x[f] at q[qo..]; NaN counts as above every cut
   * (x < v is false for NaN, so it goes right everywhere). Returns the head-skip mask: bit f
   * set when q[f] > 0.
   */
  private quantize(x: ArrayLike<number>, xo: number, q: Int32Array, qo: number): number {
    const cuts = this.cuts;
    const start = this.cutStart;
    let mask = 0;
    const first = this.firstCut;
    for (let f = 0; f < this.nFeatures; f++) {
      const v = x[xo + f];
      const base = start[f];
      let lo = base;
      let hi = start[f + 1];
      if (v < first[f] || lo === hi) {
        q[qo + f] = 0;
        continue;
      }
      if (!(v < cuts[hi - 1])) {
        // At or above the last cut, or NaN.
        lo = hi;
      } else {
        const scale = this.bucketScale[f];
        if (scale > 0) {
          const b = Math.min(this.bucketCount[f] - 1, Math.floor((v - cuts[base]) * scale));
          const at = this.bucketStart[f] + b;
          lo = this.bucketFirst[at];
          hi = this.bucketFirst[at + 1];
        }
        while (lo < hi) {
          const m = (lo + hi) >> 1;
          if (cuts[m] <= v) lo = m + 1;
          else hi = m;
        }
      }
      q[qo + f] = lo - base;
      mask |= f < 31 ? 1 << f : 0;
    }
    return mask;
  }

  /** Path length from tree t's head for the quantized row at q[qo..]; −1 when it passes the head. */
  private headExit(t: number, q: Int32Array, qo: number): number {
    const hf = this.headFeature;
    const hc = this.headCut;
    const hl = this.headExitLeft;
    for (let k = this.headStart[t], end = this.headStart[t + 1]; k < end; k++) {
      const left = q[qo + hf[k]] < hc[k] ? 1 : 0;
      if (left === hl[k]) return this.headValue[k];
    }
    return -1;
  }

  /** Depth at which a row with nonzero-feature mask m leaves tree t's leftmost path (see firstSplit). */
  private startDepth(t: number, m: number): number {
    if (this.nFeatures > 31) return 0;
    const fs = this.firstSplit;
    const at = t * this.nFeatures;
    let k = this.bodyDepth[t];
    for (let rest = m; rest !== 0; rest &= rest - 1) {
      const d = fs[at + 31 - Math.clz32(rest & -rest)];
      if (d < k) k = d;
    }
    return k;
  }

  /** Path length in tree t's body (depth to its external node plus c(size)), from depth k down. */
  private bodyPath(t: number, q: Int32Array, qo: number, k: number): number {
    const node = this.node;
    const nb = this.bodyNode[t];
    let p = (1 << k) - 1;
    for (let d = this.bodyDepth[t] - k; d > 0; d--) {
      const w = node[nb + p];
      p = 2 * p + 2 + ((q[qo + (w & 255)] - (w >> 8)) >> 31);
    }
    return this.leafValue[this.bodyLeaf[t] + p];
  }

  /** Sum over the trees (in tree order) of the path lengths of the quantized row q (mask m). */
  private sumTrees(q: Int32Array, m: number): number {
    let total = 0;
    for (let t = 0; t < this.nTrees; t++) {
      let h = -1;
      if (this.headAlways[t] === 1 || (m & this.headMask[t]) !== 0) h = this.headExit(t, q, 0);
      total += h >= 0 ? h : this.bodyPath(t, q, 0, this.startDepth(t, m));
    }
    return total;
  }

  /** Sum over the trees (in tree order) of the path length of the row at x[offset..]. */
  totalPathLength(x: ArrayLike<number>, offset: number): number {
    const q = this.rowQ;
    const m = this.quantize(x, offset, q, 0);
    if ((m & (m - 1)) === 0 && this.single.length > 0) return this.single[this.tableIndex(q, 0, m)];
    return this.sumTrees(q, m);
  }

  /** s(x) = 2^(−E[h(x)] / c(ψ)) for the row at x[offset..]. */
  score(x: ArrayLike<number>, offset: number): number {
    const q = this.rowQ;
    const m = this.quantize(x, offset, q, 0);
    if ((m & (m - 1)) === 0 && this.single.length > 0) return this.singleScore[this.tableIndex(q, 0, m)];
    return this.scoreOf(this.sumTrees(q, m));
  }

  /** The one formula from a path-length sum to a score: tables, batches and single rows agree bit for bit. */
  private scoreOf(total: number): number {
    return 2 ** (-(total / this.nTrees) / this.averagePath);
  }

  /** Table entry of a row with at most one feature off zero (mask m has at most one bit). */
  private tableIndex(q: Int32Array, qo: number, m: number): number {
    if (m === 0) return 0;
    const f = 31 - Math.clz32(m);
    return this.cutStart[f] + f + q[qo + f];
  }

  /**
   * Scores of `nRows` rows, row-major in `rows`; the same as score() row by row.
   * Rows go in blocks; within a block, rows with the same nonzero-feature mask are walked
   * together (a block has few distinct masks: most features are 0 most of the time), since
   * they share, tree by tree, both the depth the walk starts at and whether the head matters.
   */
  scoreMany(rows: Float64Array, nRows: number): Float64Array {
    const D = this.nFeatures;
    const T = this.nTrees;
    const scores = new Float64Array(nRows);
    const q = new Int32Array(BLOCK * D);
    const masks = new Int32Array(BLOCK);
    const keys = new Float64Array(BLOCK);
    const order = new Int32Array(BLOCK);
    const path = new Float64Array(BLOCK);
    const acc = new Float64Array(BLOCK);
    const { node, leafValue, bodyDepth, bodyNode, bodyLeaf, headMask, headAlways } = this;
    for (let r0 = 0; r0 < nRows; r0 += BLOCK) {
      const nb = Math.min(BLOCK, nRows - r0);
      // Rows with at most one feature off zero are looked up; the others are walked, grouped.
      const tables = this.single.length > 0;
      let nw = 0;
      for (let r = 0; r < nb; r++) {
        const m = this.quantize(rows, (r0 + r) * D, q, r * D);
        if (tables && (m & (m - 1)) === 0) {
          scores[r0 + r] = this.singleScore[this.tableIndex(q, r * D, m)];
          continue;
        }
        masks[r] = m;
        acc[r] = 0;
        keys[nw++] = m * BLOCK + r;
      }
      const sorted = keys.subarray(0, nw).sort();
      for (let i = 0; i < nw; i++) order[i] = sorted[i] % BLOCK;
      for (let g0 = 0; g0 < nw; ) {
        const m = masks[order[g0]];
        let g1 = g0 + 1;
        while (g1 < nw && masks[order[g1]] === m) g1++;
        for (let t = 0; t < T; t++) {
          const k = this.startDepth(t, m);
          const steps = bodyDepth[t] - k;
          const start = (1 << k) - 1;
          const base = bodyNode[t];
          const lb = bodyLeaf[t];
          // Unless a row of the group may leave at the head, body lengths go straight into the
          // sums; else they wait in `path` for the head check below.
          const direct = headAlways[t] === 0 && (m & headMask[t]) === 0;
          // Bodies, four rows at a time: four independent branch-free walks.
          let g = g0;
          for (; g + 4 <= g1; g += 4) {
            const r0_ = order[g];
            const r1_ = order[g + 1];
            const r2_ = order[g + 2];
            const r3_ = order[g + 3];
            const o0 = r0_ * D;
            const o1 = r1_ * D;
            const o2 = r2_ * D;
            const o3 = r3_ * D;
            let p0 = start;
            let p1 = start;
            let p2 = start;
            let p3 = start;
            for (let d = steps; d > 0; d--) {
              const w0 = node[base + p0];
              const w1 = node[base + p1];
              const w2 = node[base + p2];
              const w3 = node[base + p3];
              p0 = 2 * p0 + 2 + ((q[o0 + (w0 & 255)] - (w0 >> 8)) >> 31);
              p1 = 2 * p1 + 2 + ((q[o1 + (w1 & 255)] - (w1 >> 8)) >> 31);
              p2 = 2 * p2 + 2 + ((q[o2 + (w2 & 255)] - (w2 >> 8)) >> 31);
              p3 = 2 * p3 + 2 + ((q[o3 + (w3 & 255)] - (w3 >> 8)) >> 31);
            }
            if (direct) {
              acc[r0_] += leafValue[lb + p0];
              acc[r1_] += leafValue[lb + p1];
              acc[r2_] += leafValue[lb + p2];
              acc[r3_] += leafValue[lb + p3];
            } else {
              path[r0_] = leafValue[lb + p0];
              path[r1_] = leafValue[lb + p1];
              path[r2_] = leafValue[lb + p2];
              path[r3_] = leafValue[lb + p3];
            }
          }
          for (; g < g1; g++) {
            const r = order[g];
            const v = this.bodyPath(t, q, r * D, k);
            if (direct) acc[r] += v;
            else path[r] = v;
          }
          if (direct) continue;
          for (g = g0; g < g1; g++) {
            const r = order[g];
            const h = this.headExit(t, q, r * D);
            acc[r] += h >= 0 ? h : path[r];
          }
        }
        g0 = g1;
      }
      for (let i = 0; i < nw; i++) scores[r0 + order[i]] = this.scoreOf(acc[order[i]]);
    }
    return scores;
  }
}
