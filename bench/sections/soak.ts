import { LoadRig } from "../loadRig";
import type { BenchSection } from "../section";
import { median } from "../section";

/**
 * Resident memory over a long steady load: the same production shape as e2e (server process,
 * Slack configured and answered by the stand-in, SQLite store), RATE events/s for SECONDS
 * (10 minutes; BENCH_SOAK_SECONDS overrides for quick tries), the server's VmRSS sampled
 * every SAMPLE_S seconds. Memory must level off: after a one-minute warm-up, growth over the
 * last half of the run (slope, and total over the last five minutes) stays small.
 * RSS swings by hundreds of MB as V8 grows its heap and collects it, so a level is the median
 * of a minute of samples, not one sample.
 */
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
const CARD_EVERY = Number(process.env.BENCH_SOAK_CARD_EVERY ?? 10);
const SAMPLE_S = 5;
/** Samples before this are warm-up (JIT, caches, SQLite page cache filling). */
const WARMUP_S = Math.min(60, SECONDS / 5);
const LAST_WINDOW_S = Math.min(300, SECONDS / 2);
/** A level: the median of this many seconds of samples. */
const LEVEL_S = Math.min(60, SECONDS / 5);

/** Median RSS of the samples in [from, from + LEVEL_S). */
function level(samples: { t: number; mb: number }[], from: number): number {
  const inside = samples.filter((s) => s.t >= from && s.t < from + LEVEL_S).map((s) => s.mb);
  return inside.length ? median(inside) : Number.NaN;
}

/** Least-squares slope of y over x. */
function slope(points: { t: number; mb: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.mb, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mx) * (p.mb - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mx) ** 2, 0);
  return num / den;
}

export const soakSection: BenchSection = {
  name: "soak",
  title: `server resident memory over ${SECONDS / 60} min at ${RATE} events/s (server process + Slack stand-in, SQLite)`,
  async run(log) {
    const rig = await LoadRig.start("sqlite");
    const samples: { t: number; mb: number; byProcess: number[] }[] = [];
    try {
      const t0 = performance.now();
      const sample = () =>
        samples.push({
          t: (performance.now() - t0) / 1000,
          mb: rig.server.rssMb(),
          byProcess: rig.server.rssByProcessMb(),
        });
      sample();
      const timer = setInterval(sample, SAMPLE_S * 1000);
      let cards = 0;
      const drive = await rig
        .drive({ rate: RATE, seconds: SECONDS, connections: 20, tag: "soak", cardEvery: CARD_EVERY })
        .finally(() => clearInterval(timer));
      sample();
      const missing = await rig.waitForCards(30_000);
      cards = rig.cardMs.length;
      const endT = samples[samples.length - 1].t;
      const startMb = level(samples, WARMUP_S);
      const endMb = level(samples, endT - LEVEL_S);
      const lastWindowStartMb = level(samples, endT - LAST_WINDOW_S);
      const growthLast = endMb - lastWindowStartMb;
      const slopeMbPerMin = slope(samples.filter((s) => s.t >= endT / 2)) * 60;
      const peak = Math.max(...samples.map((s) => s.mb));
      log(
        `${drive.sent} requests, ${drive.errors} errors, ${cards} cards (${missing} missing); RSS ` +
          samples
            .filter((_, i) => i % 12 === 0)
            .map((s) => `${Math.round(s.t)}s:${s.mb.toFixed(0)}`)
            .join(" "),
      );
      // The sum above hides which process moves: with WEB_PROCESSES each has its own heap.
      log(
        `RSS per server process (the inbox process first, then the web processes): ${samples
          .filter((_, i) => i % 12 === 0)
          .map((s) => `${Math.round(s.t)}s:${s.byProcess.map((mb) => mb.toFixed(0)).join("/")}`)
          .join(" ")}`,
      );
      const r = (v: number) => Number(v.toFixed(1));
      return [
        {
          key: "soak.rate",
          value: RATE,
          unit: "events/s",
          label: `steady load (1 in ${CARD_EVERY} a new incident)`,
        },
        { key: "soak.seconds", value: SECONDS, unit: "s", label: "length of the run" },
        { key: "soak.requests", value: drive.sent, label: "requests sent" },
        {
          key: "soak.errors",
          value: drive.errors,
          label: "requests not answered 2xx",
          target: "0",
          pass: drive.errors === 0,
        },
        { key: "soak.cards", value: cards, label: "cards received by the Slack stand-in" },
        {
          key: "soak.rss_start_mb",
          value: r(startMb),
          unit: "MB",
          label: `server RSS after the ${WARMUP_S} s warm-up (median of ${LEVEL_S} s)`,
        },
        {
          key: "soak.rss_end_mb",
          value: r(endMb),
          unit: "MB",
          label: `server RSS at the end of the load (median of the last ${LEVEL_S} s)`,
        },
        { key: "soak.rss_peak_mb", value: r(peak), unit: "MB", label: "highest sample" },
        {
          key: "soak.rss_growth_mb",
          value: r(endMb - startMb),
          unit: "MB",
          label: "end minus after warm-up",
        },
        {
          key: "soak.rss_growth_last_window_mb",
          value: r(growthLast),
          unit: "MB",
          label: `growth over the last ${LAST_WINDOW_S / 60} min (level at the end minus level ${LAST_WINDOW_S / 60} min before)`,
          target: "< 10 (levels off)",
          pass: growthLast < 10,
        },
        {
          key: "soak.rss_slope_last_half_mb_per_min",
          value: Number(slopeMbPerMin.toFixed(2)),
          unit: "MB/min",
          label: "least-squares slope of RSS over the last half of the run",
        },
      ];
    } finally {
      await rig.close();
    }
  },
};
