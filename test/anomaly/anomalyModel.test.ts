import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IsolationForest as MlIsolationForest } from "ml-isolation-forest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateOrg, injectScenarios, orgEvents } from "../../bench/syntheticOrg";
import { AnomalyModel } from "../../detection/anomaly/anomalyModel";
import { loadModel, saveModel } from "../../detection/anomaly/anomalyStore";
import { averagePathLength, IsolationForest } from "../../detection/anomaly/isolationForest";
import { mulberry32 } from "../../detection/anomaly/prng";
import type { TrainResult } from "../../detection/anomaly/trainModel";
import { trainModel } from "../../detection/anomaly/trainModel";
import { SqliteStore } from "../../integrations/store/sqliteStore";

/** Gaussian-ish cloud with a few far points, row-major. */
function dataset(n: number, d: number, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const rows = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const far = i % 50 === 0;
    for (let f = 0; f < d; f++) {
      const g = rnd() + rnd() + rnd() - 1.5;
      rows[i * d + f] = far ? 4 + 2 * rnd() : g;
    }
  }
  return rows;
}

/** The paper's definition, walked node by node on the stored trees: what scoring must equal. */
function walkedScore(f: IsolationForest, x: ArrayLike<number>, offset = 0): number {
  let total = 0;
  for (const root of f.roots) {
    let i = root;
    while (f.feature[i] !== -1) i = x[offset + f.feature[i]] < f.value[i] ? i + 1 : f.right[i];
    total += f.value[i];
  }
  return 2 ** (-(total / f.roots.length) / averagePathLength(f.psi));
}

/**
 * Rows that probe every edge of the compiled scorer: exactly at split values, just around them,
 * NaN, −0, out of range, and zero in all but 0, 1, 2 or many features.
 */
function probeRows(f: IsolationForest, d: number, seed: number, n: number): Float64Array {
  const rnd = mulberry32(seed);
  const splits: number[][] = Array.from({ length: d }, () => []);
  for (let i = 0; i < f.feature.length; i++) if (f.feature[i] !== -1) splits[f.feature[i]].push(f.value[i]);
  const odd = [Number.NaN, -0, -1, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const nonzero = r % 4 === 0 ? 0 : r % 4 === 1 ? 1 : r % 4 === 2 ? 2 : d;
    for (let k = 0; k < nonzero; k++) {
      const f0 = nonzero === d ? k : Math.floor(rnd() * d);
      const s = splits[f0];
      const pick = rnd();
      out[r * d + f0] =
        pick < 0.4 && s.length
          ? s[Math.floor(rnd() * s.length)]
          : pick < 0.6 && s.length
            ? s[Math.floor(rnd() * s.length)] * (1 + (rnd() - 0.5) * 1e-7)
            : pick < 0.7
              ? odd[Math.floor(rnd() * odd.length)]
              : rnd();
    }
  }
  return out;
}

function ranks(xs: ArrayLike<number>): number[] {
  const idx = Array.from(xs, (v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const r = new Array<number>(xs.length);
  idx.forEach((x, k) => {
    r[x.i] = k;
  });
  return r;
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const mean = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

describe("Isolation Forest", () => {
  const D = 4;
  const N = 1500;
  const rows = dataset(N, D, 3);

  it("gives the same forest for the same seed, and a different one for another seed", () => {
    const a = IsolationForest.fit(rows, N, D, { trees: 50, sample: 256, seed: 9 });
    const b = IsolationForest.fit(rows, N, D, { trees: 50, sample: 256, seed: 9 });
    const c = IsolationForest.fit(rows, N, D, { trees: 50, sample: 256, seed: 10 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
  });

  it("keeps trees within the height limit ceil(log2 psi)", () => {
    const f = IsolationForest.fit(rows, N, D, { trees: 100, sample: 256, seed: 1 });
    expect(f.heightLimit).toBe(8);
    expect(f.maxDepth()).toBeLessThanOrEqual(8);
  });

  it("scores the far points above the cloud", () => {
    const f = IsolationForest.fit(rows, N, D, { trees: 100, sample: 256, seed: 1 });
    const s = f.scoreMany(rows, N);
    let far = 0;
    let near = 0;
    for (let i = 0; i < N; i++) {
      if (i % 50 === 0) far += s[i] / (N / 50);
      else near += s[i] / (N - N / 50);
    }
    expect(far).toBeGreaterThan(0.6);
    expect(near).toBeLessThan(0.5);
  });

  it("ranks points like ml-isolation-forest on the same data (oracle)", () => {
    const ours = IsolationForest.fit(rows, N, D, { trees: 100, sample: 256, seed: 1 }).scoreMany(rows, N);
    const asArrays = Array.from({ length: N }, (_, i) => Array.from(rows.subarray(i * D, (i + 1) * D)));
    const ml = new MlIsolationForest({ nEstimators: 100 });
    ml.train(asArrays);
    const theirs = ml.predict(asArrays);
    expect(spearman(ours, theirs)).toBeGreaterThan(0.85);
  });

  it("scores a batch exactly as row by row, guards and their fast path included", () => {
    const rnd = mulberry32(8);
    const n = 3000;
    const d = 13;
    const sparse = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) sparse[i] = i % d < 3 ? rnd() : rnd() < 0.003 ? 1 : 0;
    const f = IsolationForest.fit(sparse, n, d, {
      trees: 100,
      sample: 256,
      seed: 2,
      domain: { min: 0, max: 1 },
    });
    const batch = f.scoreMany(sparse, n);
    for (let r = 0; r < n; r++) expect(f.score(sparse, r * d)).toBe(batch[r]);
    // A row new in a feature no sampled row had stands out.
    const novel = new Float64Array(d);
    novel[7] = 1;
    const sortedBatch = Array.from(batch).sort((a, b) => a - b);
    expect(f.score(novel)).toBeGreaterThan(sortedBatch[Math.floor(n * 0.95)]);
  });

  it("scores exactly as walking each stored tree node by node, one row or a batch", () => {
    const rnd = mulberry32(21);
    for (const d of [13, 40]) {
      // Sparse like the anomaly features (0 when usual), so guards and tables come into play;
      // 40 features is past the 31 the per-row bit masks and tables cover.
      const n = 4000;
      const train = new Float64Array(n * d);
      for (let i = 0; i < n * d; i++) train[i] = i % d < 2 ? rnd() : rnd() < 0.05 ? rnd() : 0;
      const f = IsolationForest.fit(train, n, d, {
        trees: 60,
        sample: 256,
        seed: 5,
        domain: { min: 0, max: 1 },
      });
      const restored = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
      for (const rows of [train, probeRows(f, d, 22, 3000)]) {
        const m = rows.length / d;
        const expected = Array.from({ length: m }, (_, r) => walkedScore(f, rows, r * d));
        expect(Array.from(f.scoreMany(rows, m))).toEqual(expected);
        expect(Array.from({ length: m }, (_, r) => f.score(rows, r * d))).toEqual(expected);
        expect(Array.from(restored.scoreMany(rows, m))).toEqual(expected);
      }
    }
  });

  it("restores from JSON (through a string) with exactly the same scores", () => {
    const f = IsolationForest.fit(rows, N, D, { trees: 100, sample: 256, seed: 4 });
    const back = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(Array.from(back.scoreMany(rows, N))).toEqual(Array.from(f.scoreMany(rows, N)));
    expect(back.nodeCount).toBe(f.nodeCount);
  });
});

describe("anomaly model document", () => {
  let trained: TrainResult;
  let dir: string;
  beforeAll(() => {
    const org = generateOrg({ identities: 40, days: 40, seed: 3 });
    trained = trainModel(orgEvents(org, 0, 40), { trees: 50 });
    dir = mkdtempSync(join(tmpdir(), "immune-anomaly-model-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("round-trips through JSON and scores events identically, reasons included", () => {
    const doc = JSON.parse(JSON.stringify(trained.model.toDoc()));
    const back = AnomalyModel.fromDoc(doc);
    expect(back.trainingWindow).toEqual(trained.model.trainingWindow);
    expect(back.calibration).toEqual(trained.model.calibration);
    const org = generateOrg({ identities: 40, days: 40, seed: 3 });
    const probes = injectScenarios(org, 40, 2).flatMap((s) => s.events);
    const before = probes.map((e) => trained.state.score(e));
    trained.state.setModel(back);
    const after = probes.map((e) => trained.state.score(e));
    trained.state.setModel(trained.model);
    expect(after).toEqual(before);
  });

  it("refuses a model trained on another feature schema", () => {
    const doc = trained.model.toDoc();
    expect(() =>
      AnomalyModel.fromDoc({ ...doc, featureSchema: { version: 99, names: doc.featureSchema.names } }),
    ).toThrow(/feature schema 99/);
  });

  it("is stored as numbered versions; the latest is current and older ones stay loadable", async () => {
    const store = new SqliteStore(join(dir, "immune.db"));
    try {
      const v1 = await saveModel(store, AnomalyModel.fromDoc(trained.model.toDoc()));
      const v2 = await saveModel(store, AnomalyModel.fromDoc(trained.model.toDoc()));
      expect([v1, v2]).toEqual([1, 2]);
      expect((await loadModel(store))?.version).toBe(2);
      expect((await loadModel(store, 1))?.version).toBe(1);
      const json = JSON.stringify((await store.get("models", "anomaly.v2"))?.data);
      expect(json.length).toBeLessThan(5_000_000);
    } finally {
      await store.close();
    }
  });
});
