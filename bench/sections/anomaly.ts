import { IsolationForest as MlIsolationForest } from "ml-isolation-forest";
import { N_FEATURES } from "../../detection/anomaly/features";
import { IsolationForest } from "../../detection/anomaly/isolationForest";
import { trainModel } from "../../detection/anomaly/trainModel";
import type { IamEvent } from "../../detection/model";
import type { BenchFigure, BenchSection } from "../section";
import { median } from "../section";
import type { ScenarioName } from "../syntheticOrg";
import { byTime, dayEvents, generateOrg, injectScenarios } from "../syntheticOrg";

/**
 * The anomaly model on a synthetic organisation (bench/syntheticOrg.ts, seeded): 1,000
 * identities (people in five departments and time zones, service accounts on fixed schedules,
 * dormant accounts). Trains on the first 1,000,000 events, then replays the next days with
 * compromise scenarios injected on held-out identities and reports ROC AUC and precision at
 * the top 1% on the injected events. Scoring throughput and training are measured beside
 * ml-isolation-forest in the same run: both trained on the same 50,000 rows of the feature
 * matrix with 100 trees (ours on ψ = 256 sub-samples as in the paper; ml-isolation-forest grows
 * every tree on all rows, its only mode), both scoring the same 5,000 of those rows.
 * Rates are per CPU second (user + system) and training is given in both wall and CPU time:
 * on a shared machine wall time measures the neighbours; CPU time is what the work costs.
 */
const IDENTITIES = 1000;
const TRAIN_EVENTS = 1_000_000;
const TREES = 100;
/** Both forests are trained on the same rows of the real feature matrix (the issue measured 50,000). */
const COMPARE_TRAIN_ROWS = 50_000;
/** Both score the same fixed subset (every 10th training row): ml-isolation-forest is slow. */
const COMPARE_SCORE_ROWS = 5_000;
const TEST_DAYS = 2;

function auc(scores: { s: number; y: number }[]): number {
  const sorted = [...scores].sort((a, b) => a.s - b.s);
  let pos = 0;
  let rankSum = 0;
  // Average ranks over ties.
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].s === sorted[i].s) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (sorted[k].y) {
        pos++;
        rankSum += avg;
      }
    }
    i = j;
  }
  const neg = sorted.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

export const anomalySection: BenchSection = {
  name: "anomaly",
  title: `Isolation Forest on a synthetic organisation (${IDENTITIES.toLocaleString("en-US")} identities), beside ml-isolation-forest`,
  async run(log) {
    // Two steps, so that nothing of the evaluation is reachable while ml-isolation-forest trains.
    const evaluated = trainAndEvaluate(log);
    const compared = compareWithMl(evaluated.rows, log);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    return [
      ...evaluated.figures,
      ...compared,
      {
        key: "anomaly.model_json_bytes",
        value: evaluated.modelJsonBytes,
        unit: "bytes",
        label: "stored model document (JSON)",
        target: "< 5,000,000",
        pass: evaluated.modelJsonBytes < 5_000_000,
      },
      {
        key: "anomaly.peak_rss_mb",
        value: Math.round(rssMb),
        unit: "MB",
        label: "peak resident memory of the bench process",
      },
    ];
  },
};

/** Trains on the first 1,000,000 events and evaluates on the held-out days with injected scenarios. */
function trainAndEvaluate(log: (line: string) => void): {
  figures: BenchFigure[];
  rows: Float64Array;
  modelJsonBytes: number;
} {
  const org = generateOrg({ identities: IDENTITIES, days: 90, seed: 7 });
  let day = 0;
  const history: IamEvent[] = [];
  while (history.length < TRAIN_EVENTS) {
    for (const e of dayEvents(org, day)) if (history.length < TRAIN_EVENTS) history.push(e);
    day++;
  }
  log(`history: ${history.length.toLocaleString("en-US")} events over ${day} days`);

  // Training: features against baselines replayed in time order, then the forest.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const trained = trainModel(history, { trees: TREES, sample: 256, seed: 1, returnRows: true });
  const trainWall = (performance.now() - t0) / 1000;
  const trainCpu = cpuSeconds(c0);
  log(
    `trained: ${trained.stats.rows} rows, features ${(trained.stats.featureMs / 1000).toFixed(1)} s, fit ${(trained.stats.fitMs / 1000).toFixed(2)} s (wall ${trainWall.toFixed(1)} s, CPU ${trainCpu.toFixed(1)} s)`,
  );
  history.length = 0;
  const modelJson = JSON.stringify(trained.model.toDoc());

  // Held-out evaluation: the next days, with scenarios injected on held-out identities.
  const injected = injectScenarios(org, day + 1, 20, 5);
  const label = new Map<string, ScenarioName>();
  for (const s of injected) for (const e of s.events) label.set(e.id, s.scenario);
  const test: IamEvent[] = [];
  for (let d = day; d < day + TEST_DAYS; d++) test.push(...dayEvents(org, d));
  test.push(...injected.flatMap((s) => s.events));
  test.sort(byTime);
  const scored: { s: number; y: number; scenario?: ScenarioName }[] = [];
  const s0 = process.cpuUsage();
  for (const e of test) {
    const r = trained.state.process(e);
    const scenario = label.get(e.id);
    scored.push({ s: r?.score ?? 0, y: scenario ? 1 : 0, ...(scenario ? { scenario } : {}) });
  }
  const pipelinePerS = test.length / cpuSeconds(s0);
  const overall = auc(scored);
  const top = [...scored].sort((a, b) => b.s - a.s).slice(0, Math.max(1, Math.round(scored.length / 100)));
  const positives = scored.filter((x) => x.y).length;
  const precisionTop1 = top.filter((x) => x.y).length / top.length;
  const negatives = scored.filter((x) => !x.y);
  const perScenario: Record<string, number> = {};
  for (const name of new Set(injected.map((s) => s.scenario))) {
    perScenario[name] = auc([...negatives, ...scored.filter((x) => x.scenario === name)]);
  }
  log(
    `evaluation: ${test.length.toLocaleString("en-US")} events, ${positives} injected; AUC ${overall.toFixed(4)}; ${Object.entries(
      perScenario,
    )
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(", ")}`,
  );

  const figures: BenchFigure[] = [
    { key: "anomaly.identities", value: IDENTITIES, label: "identities in the synthetic organisation" },
    { key: "anomaly.train_events", value: TRAIN_EVENTS, label: "events the model is trained on" },
    {
      key: "anomaly.train_s",
      value: Number(trainWall.toFixed(2)),
      unit: "s",
      label: "training wall time: baselines and features for every event, then 100 trees (ψ=256)",
      target: "< 10",
      pass: trainWall < 10,
    },
    {
      key: "anomaly.train_cpu_s",
      value: Number(trainCpu.toFixed(2)),
      unit: "s",
      label: "training CPU time (user + system) of the same run",
      target: "< 10",
      pass: trainCpu < 10,
    },
    {
      key: "anomaly.fit_s",
      value: Number((trained.stats.fitMs / 1000).toFixed(3)),
      unit: "s",
      label: `forest fit and calibration on ${trained.stats.rows} sampled rows`,
    },
    {
      key: "anomaly.auc",
      value: Number(overall.toFixed(4)),
      label: `ROC AUC, ${positives} injected events among ${test.length} held-out events (${TEST_DAYS} days)`,
      target: ">= 0.95",
      pass: overall >= 0.95,
    },
    ...Object.entries(perScenario).map(([name, v]) => ({
      key: `anomaly.auc_${name}`,
      value: Number(v.toFixed(4)),
      label: `ROC AUC, ${name.replaceAll("_", " ")} events against all normal ones`,
    })),
    {
      key: "anomaly.precision_top1pct",
      value: Number(precisionTop1.toFixed(4)),
      label: `share of injected events among the top 1% scores (${top.length} events)`,
    },
    {
      key: "anomaly.pipeline_per_s",
      value: Math.round(pipelinePerS),
      unit: "events/s",
      label: "score with reasons, then learn, per CPU second (the server's per-event cost)",
    },
  ];
  return { figures, rows: trained.rows as Float64Array, modelJsonBytes: modelJson.length };
}

/**
 * Scoring throughput beside ml-isolation-forest: both trained on the same rows with the same
 * tree count, both scoring the same rows, rates per CPU second.
 */
export function compareWithMl(all: Float64Array, log: (line: string) => void): BenchFigure[] {
  // Scoring throughput, side by side: same training rows, same tree count, same scored rows.
  const nTrain = Math.min(COMPARE_TRAIN_ROWS, all.length / N_FEATURES);
  const trainRows = all.slice(0, nTrain * N_FEATURES);
  const trainArrays = Array.from({ length: nTrain }, (_, i) =>
    Array.from(trainRows.subarray(i * N_FEATURES, (i + 1) * N_FEATURES)),
  );
  const stride = Math.max(1, Math.floor(nTrain / COMPARE_SCORE_ROWS));
  const nScore = Math.min(COMPARE_SCORE_ROWS, Math.floor(nTrain / stride));
  const scoreRows = new Float64Array(nScore * N_FEATURES);
  for (let i = 0; i < nScore; i++) {
    scoreRows.set(trainRows.subarray(i * stride * N_FEATURES, (i * stride + 1) * N_FEATURES), i * N_FEATURES);
  }
  const scoreArrays = Array.from({ length: nScore }, (_, i) => trainArrays[i * stride]);
  const oursFitStart = performance.now();
  const ours = IsolationForest.fit(trainRows, nTrain, N_FEATURES, {
    trees: TREES,
    sample: 256,
    seed: 1,
    domain: { min: 0, max: 1 },
  });
  const oursFit = (performance.now() - oursFitStart) / 1000;
  // Ours takes milliseconds per pass: time batches of passes of at least 50 ms CPU each.
  const oursRates: number[] = [];
  let sink = 0;
  // Both get an untimed warm-up first, so neither rate includes compiling the scoring code.
  for (const t = process.cpuUsage(); cpuSeconds(t) < 0.2; ) sink += ours.scoreMany(scoreRows, nScore)[0];
  for (let rep = 0; rep < 7; rep++) {
    const t = process.cpuUsage();
    let passes = 0;
    let cpu = 0;
    while (cpu < 0.05) {
      sink += ours.scoreMany(scoreRows, nScore)[0];
      passes++;
      cpu = cpuSeconds(t);
    }
    oursRates.push((passes * nScore) / cpu);
  }
  const heapBefore = process.memoryUsage().heapUsed;
  const mlTrainStart = performance.now();
  const ml = new MlIsolationForest({ nEstimators: TREES });
  ml.train(trainArrays);
  const mlTrain = (performance.now() - mlTrainStart) / 1000;
  const mlHeapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  const mlRates: number[] = [];
  sink += ml.predict(scoreArrays.slice(0, 500))[0];
  for (let rep = 0; rep < 3; rep++) {
    const t = process.cpuUsage();
    const out = ml.predict(scoreArrays);
    mlRates.push(nScore / cpuSeconds(t));
    sink += out[0];
  }
  if (Number.isNaN(sink)) log("scores were NaN");
  // Disclosed beside the rate: rows with at most one nonzero feature are answered from tables
  // (compiledForest.ts, idea 5); the rest walk every tree.
  let sparse = 0;
  for (let i = 0; i < nScore; i++) {
    let nonzero = 0;
    for (let f = 0; f < N_FEATURES; f++) if (scoreRows[i * N_FEATURES + f] !== 0) nonzero++;
    if (nonzero <= 1) sparse++;
  }
  const oursRate = median(oursRates);
  const mlRate = median(mlRates);
  const ratio = oursRate / mlRate;
  const trainedOn = `${nTrain.toLocaleString("en-US")} rows`;
  log(
    `scored rows with at most one nonzero feature (ours: table lookups): ${((100 * sparse) / nScore).toFixed(1)}%`,
  );
  log(
    `scoring ${nScore.toLocaleString("en-US")} rows × ${TREES} trees, both trained on the same ${trainedOn}: ours ${Math.round(oursRate)}/s (ψ=256 sub-samples, fit ${oursFit.toFixed(2)} s), ml-isolation-forest ${Math.round(mlRate)}/s (every tree on all ${trainedOn}, trained in ${mlTrain.toFixed(1)} s, heap grew ${Math.round(mlHeapMb)} MB while it trained)`,
  );
  return [
    {
      key: "anomaly.score_rows_per_s",
      value: Math.round(oursRate),
      unit: "rows/s",
      label: `our forest, ${TREES} trees on ψ=256 sub-samples of ${trainedOn}, scoring ${nScore} of them, per CPU second (median of 7)`,
    },
    {
      key: "anomaly.ml_score_rows_per_s",
      value: Math.round(mlRate),
      unit: "rows/s",
      label: `ml-isolation-forest, ${TREES} trees each grown on all of the same ${trainedOn}, scoring the same ${nScore}, per CPU second (median of 3)`,
    },
    {
      key: "anomaly.score_sparse_rows_pct",
      value: Number(((100 * sparse) / nScore).toFixed(1)),
      unit: "%",
      label:
        "share of those scored rows with at most one nonzero feature (ours answers them from per-feature tables)",
    },
    {
      key: "anomaly.speedup_vs_ml_isolation_forest",
      value: Number(ratio.toFixed(1)),
      unit: "×",
      label: "our scoring throughput / ml-isolation-forest's: same training rows, scored rows and tree count",
      target: ">= 50",
      pass: ratio >= 50,
    },
    {
      key: "anomaly.ml_train_s",
      value: Number(mlTrain.toFixed(2)),
      unit: "s",
      label: `ml-isolation-forest training, 100 trees on all of the same ${trainedOn}`,
    },
  ];
}
