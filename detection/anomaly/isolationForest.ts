import { CompiledForest } from "./compiledForest";
import { mulberry32, randInt } from "./prng";

/**
 * Isolation Forest (Liu, Ting & Zhou, ICDM 2008) in flat typed arrays.
 *
 * Each tree is grown on its own sub-sample of ψ rows (default 256) up to the height limit
 * ⌈log2 ψ⌉; a point's anomaly score is s = 2^(−E[h(x)] / c(ψ)), where h(x) is the path length
 * to the external node plus c(size) for the rows left unseparated there. Scoring walks one path
 * per tree: O(trees × height).
 *
 * Why not ml-isolation-forest: it grows every tree on the whole training set, uses Math.random
 * (no seed), and keeps the training rows in its leaves (no compact serialization). Here all
 * nodes of all trees live in three arrays (preorder: the left child of node i is i+1), split
 * values are stored as float32 so that the JSON form restores the exact same model. Scoring uses
 * a layout compiled from those arrays (compiledForest.ts), which is not part of the JSON form.
 */

export interface ForestParams {
  /** Number of trees (paper: 100). */
  trees: number;
  /** Sub-sample size ψ per tree (paper: 256). */
  sample: number;
  /** PRNG seed: same seed and data, same forest. */
  seed: number;
  /**
   * Range every feature can take, when known (the anomaly features are all 0..1). Enables
   * domain guards; see fit().
   */
  domain?: { min: number; max: number };
}

export const DEFAULT_FOREST_PARAMS: ForestParams = { trees: 100, sample: 256, seed: 1 };

const EULER_GAMMA = 0.5772156649015329;

/** c(n): average path length of an unsuccessful BST search among n points (paper, eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface SerializedForest {
  format: "iam-immune/isolation-forest";
  formatVersion: 1;
  nFeatures: number;
  params: ForestParams;
  heightLimit: number;
  /** Rows the sub-samples were drawn from (ψ is min(sample, rows)). */
  trainingRows: number;
  /** Base64 of little-endian arrays: per-tree node counts (uint16), feature per node (uint8, 255 = leaf), value per node (float32: split, or depth + c(size) at a leaf), right-child offset (uint16). */
  treeSizes: string;
  feature: string;
  value: string;
  rightOffset: string;
}

const LEAF = -1;

export class IsolationForest {
  private constructor(
    readonly nFeatures: number,
    readonly params: ForestParams,
    readonly heightLimit: number,
    readonly trainingRows: number,
    /** Split feature per node, LEAF (-1) at external nodes. */
    readonly feature: Int32Array,
    /** Split value per node; at a leaf, its depth plus c(size). */
    readonly value: Float64Array,
    /** Index of the right child (the left child of node i is i + 1). */
    readonly right: Int32Array,
    /** Index of each tree's root node. */
    readonly roots: Int32Array,
  ) {
    this.compiled = new CompiledForest(
      nFeatures,
      feature,
      value,
      right,
      roots,
      averagePathLength(Math.min(params.sample, trainingRows)),
    );
  }

  /** The same trees laid out for scoring (compiledForest.ts); derived, never serialized. */
  private readonly compiled: CompiledForest;

  /** ψ actually used: the sample size, capped by the rows available. */
  get psi(): number {
    return Math.min(this.params.sample, this.trainingRows);
  }

  get nodeCount(): number {
    return this.feature.length;
  }

  /**
   * Grows the forest on `nRows` rows of `nFeatures` values each, row-major in `rows`.
   * Deterministic for a given seed.
   *
   * Domain guards (only with `params.domain`): a feature that is constant in a tree's sample
   * (a "new IP" flag that is 0 in every sampled row) can never be split on, so the paper's
   * tree cannot isolate a point by it and a point that is new in six ways looks ordinary.
   * Each tree therefore starts with one guard node per such feature, in random order, splitting
   * between the constant and the rest of the domain: a point beyond the k-th guard exits at
   * path length k, rows of the sample pass every guard at no cost and continue into the
   * paper's tree. A point new in several ways meets one of its guards early; ordinary points
   * score exactly as without guards.
   */
  static fit(
    rows: Float64Array,
    nRows: number,
    nFeatures: number,
    params: Partial<ForestParams> = {},
  ): IsolationForest {
    const p: ForestParams = { ...DEFAULT_FOREST_PARAMS, ...params };
    if (nRows < 1) throw new Error("IsolationForest.fit: no training rows");
    if (nFeatures < 1 || nFeatures > 254) throw new Error("IsolationForest.fit: 1..254 features");
    if (p.trees < 1) throw new Error("IsolationForest.fit: at least one tree");
    if (p.sample < 2 || p.sample > 16384) throw new Error("IsolationForest.fit: sample must be 2..16384");
    if (rows.length < nRows * nFeatures) throw new Error("IsolationForest.fit: rows array too short");
    const rng = mulberry32(p.seed);
    const psi = Math.min(p.sample, nRows);
    const heightLimit = Math.ceil(Math.log2(Math.max(2, psi)));
    const maxNodesPerTree = 2 * psi - 1 + 2 * nFeatures;
    const feature = new Int32Array(p.trees * maxNodesPerTree);
    const value = new Float64Array(p.trees * maxNodesPerTree);
    const right = new Int32Array(p.trees * maxNodesPerTree);
    const roots = new Int32Array(p.trees);
    // A running permutation of row ids: a partial Fisher-Yates shuffle draws each sub-sample.
    const perm = new Int32Array(nRows);
    for (let i = 0; i < nRows; i++) perm[i] = i;
    const idx = new Int32Array(psi);
    const candidates = new Int32Array(nFeatures);
    const mins = new Float64Array(nFeatures);
    const maxs = new Float64Array(nFeatures);
    let next = 0;

    const build = (lo: number, hi: number, depth: number): void => {
      const node = next++;
      const n = hi - lo;
      if (depth >= heightLimit || n <= 1) {
        feature[node] = LEAF;
        value[node] = Math.fround(depth + averagePathLength(n));
        return;
      }
      // Attributes that still vary in this node: splitting on a constant one separates nothing.
      let nc = 0;
      for (let f = 0; f < nFeatures; f++) {
        let mn = Number.POSITIVE_INFINITY;
        let mx = Number.NEGATIVE_INFINITY;
        for (let k = lo; k < hi; k++) {
          const v = rows[idx[k] * nFeatures + f];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        mins[f] = mn;
        maxs[f] = mx;
        if (mx > mn) candidates[nc++] = f;
      }
      if (nc === 0) {
        feature[node] = LEAF;
        value[node] = Math.fround(depth + averagePathLength(n));
        return;
      }
      const f = candidates[randInt(rng, nc)];
      const split = Math.fround(mins[f] + rng() * (maxs[f] - mins[f]));
      if (!(split > mins[f] && split <= maxs[f])) {
        feature[node] = LEAF;
        value[node] = Math.fround(depth + averagePathLength(n));
        return;
      }
      // Partition: rows with value < split to the front (left).
      let i = lo;
      let j = hi - 1;
      while (i <= j) {
        if (rows[idx[i] * nFeatures + f] < split) i++;
        else {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j] = t;
          j--;
        }
      }
      feature[node] = f;
      value[node] = split;
      build(lo, i, depth + 1);
      right[node] = next;
      build(i, hi, depth + 1);
    };

    const guardFeature = new Int32Array(nFeatures);
    const guardSplit = new Float64Array(nFeatures);
    const guardLeft = new Uint8Array(nFeatures);
    const guards = (k: number, count: number): void => {
      if (k === count) {
        build(0, psi, 0);
        return;
      }
      const node = next++;
      feature[node] = guardFeature[k];
      value[node] = guardSplit[k];
      const exit = (): void => {
        const leaf = next++;
        feature[leaf] = LEAF;
        value[leaf] = k + 1;
      };
      if (guardLeft[k]) {
        // The sample's value is below the split: the sample goes left, the beyond-side exits.
        guards(k + 1, count);
        right[node] = next;
        exit();
      } else {
        exit();
        right[node] = next;
        guards(k + 1, count);
      }
    };

    for (let t = 0; t < p.trees; t++) {
      for (let k = 0; k < psi; k++) {
        const j = k + randInt(rng, nRows - k);
        const tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
        idx[k] = perm[k];
      }
      let count = 0;
      if (p.domain) {
        const { min: lo, max: hi } = p.domain;
        for (let f = 0; f < nFeatures; f++) {
          const v = rows[idx[0] * nFeatures + f];
          let constant = true;
          for (let k = 1; k < psi && constant; k++) constant = rows[idx[k] * nFeatures + f] === v;
          if (!constant) continue;
          if (v < hi) {
            const split = Math.fround(v + (hi - v) * (1 - rng()));
            if (!(split > v)) continue;
            guardFeature[count] = f;
            guardSplit[count] = split;
            guardLeft[count] = 1;
            count++;
          } else if (v > lo) {
            const split = Math.fround(lo + (v - lo) * (1 - rng()));
            if (!(split <= v && split > lo)) continue;
            guardFeature[count] = f;
            guardSplit[count] = split;
            guardLeft[count] = 0;
            count++;
          }
        }
        // Random order (Fisher-Yates), so no feature is always checked first.
        for (let i = count - 1; i > 0; i--) {
          const j = randInt(rng, i + 1);
          [guardFeature[i], guardFeature[j]] = [guardFeature[j], guardFeature[i]];
          [guardSplit[i], guardSplit[j]] = [guardSplit[j], guardSplit[i]];
          [guardLeft[i], guardLeft[j]] = [guardLeft[j], guardLeft[i]];
        }
      }
      roots[t] = next;
      guards(0, count);
    }
    return new IsolationForest(
      nFeatures,
      p,
      heightLimit,
      nRows,
      feature.slice(0, next),
      value.slice(0, next),
      right.slice(0, next),
      roots,
    );
  }

  /** Mean path length E[h(x)] over the trees for the row starting at `offset` in `x`. */
  pathLength(x: ArrayLike<number>, offset = 0): number {
    return this.compiled.totalPathLength(x, offset) / this.roots.length;
  }

  /** Anomaly score s(x) in (0, 1]: near 1 isolated quickly, ≤ 0.5 ordinary. */
  score(x: ArrayLike<number>, offset = 0): number {
    return this.compiled.score(x, offset);
  }

  /** Scores many rows (row-major, nFeatures each); bit-for-bit the same results as score(). */
  scoreMany(rows: Float64Array, nRows: number): Float64Array {
    if (rows.length < nRows * this.nFeatures)
      throw new Error("IsolationForest.scoreMany: rows array too short");
    return this.compiled.scoreMany(rows, nRows);
  }

  /** Deepest external node of any tree (≤ heightLimit by construction). */
  maxDepth(): number {
    let deepest = 0;
    const walk = (i: number, d: number): void => {
      if (this.feature[i] === LEAF) {
        if (d > deepest) deepest = d;
        return;
      }
      walk(i + 1, d + 1);
      walk(this.right[i], d + 1);
    };
    for (const r of this.roots) walk(r, 0);
    return deepest;
  }

  toJSON(): SerializedForest {
    const n = this.nodeCount;
    const sizes = new Uint16Array(this.roots.length);
    for (let t = 0; t < this.roots.length; t++) {
      const end = t + 1 < this.roots.length ? this.roots[t + 1] : n;
      sizes[t] = end - this.roots[t];
    }
    const feat = new Uint8Array(n);
    const val = new Float32Array(n);
    const off = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      feat[i] = this.feature[i] === LEAF ? 255 : this.feature[i];
      val[i] = this.value[i];
      off[i] = this.feature[i] === LEAF ? 0 : this.right[i] - i;
    }
    return {
      format: "iam-immune/isolation-forest",
      formatVersion: 1,
      nFeatures: this.nFeatures,
      params: { ...this.params },
      heightLimit: this.heightLimit,
      trainingRows: this.trainingRows,
      treeSizes: toBase64(sizes),
      feature: toBase64(feat),
      value: toBase64(val),
      rightOffset: toBase64(off),
    };
  }

  static fromJSON(s: SerializedForest): IsolationForest {
    if (s.format !== "iam-immune/isolation-forest" || s.formatVersion !== 1) {
      throw new Error(`unsupported forest format ${String(s.format)} v${String(s.formatVersion)}`);
    }
    const sizes = new Uint16Array(fromBase64(s.treeSizes, 2));
    const feat = new Uint8Array(fromBase64(s.feature, 1));
    const val = new Float32Array(fromBase64(s.value, 4));
    const off = new Uint16Array(fromBase64(s.rightOffset, 2));
    const n = feat.length;
    if (val.length !== n || off.length !== n) throw new Error("corrupt forest: node arrays differ in length");
    const roots = new Int32Array(sizes.length);
    let at = 0;
    for (let t = 0; t < sizes.length; t++) {
      roots[t] = at;
      at += sizes[t];
    }
    if (at !== n) throw new Error("corrupt forest: tree sizes do not add up");
    const feature = new Int32Array(n);
    const value = new Float64Array(n);
    const right = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      feature[i] = feat[i] === 255 ? LEAF : feat[i];
      value[i] = val[i];
      right[i] = feat[i] === 255 ? 0 : i + off[i];
    }
    return new IsolationForest(
      s.nFeatures,
      s.params,
      s.heightLimit,
      s.trainingRows,
      feature,
      value,
      right,
      roots,
    );
  }
}

function toBase64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** Copies into a fresh, aligned ArrayBuffer so typed-array views of any element size work. */
function fromBase64(s: string, elementSize: number): ArrayBuffer {
  const b = Buffer.from(s, "base64");
  if (b.byteLength % elementSize !== 0) throw new Error("corrupt forest: bad array length");
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}
