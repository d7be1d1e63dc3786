import { type DriveResult, LoadRig, type StoreKind } from "../loadRig";
import type { BenchFigure, BenchSection } from "../section";
import { percentile } from "../section";

/**
 * Webhook-to-card and ack latency under sustained load, in the production shape: the real
 * server in its own process (as `npm start` runs it), Slack configured and answered by the
 * Slack stand-in, autocannon offering RATE events/s over loopback for SECONDS. Ack latency is
 * request sent → 200 (durably in the inbox); card latency is request sent → the stand-in
 * received chat.postMessage with that event's card. Run on the embedded SQLite store (the
 * targets) and on the Firestore emulator in its own process (informational).
 *
 * autocannon paces each connection per second (it sends its share back to back, then waits
 * for the next second), so arrivals come in bursts of CONNECTIONS concurrent requests: harsher
 * than a steady stream. A short warm-up at the same rate (not counted) lets the server's JIT
 * settle first.
 */
const RATE = Number(process.env.BENCH_E2E_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_E2E_WARMUP_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_E2E_CONNECTIONS ?? 50);
const STORES = (process.env.BENCH_E2E_STORES ?? "sqlite,firestore").split(",") as StoreKind[];
/** How long the run waits after the load for the last cards. */
const DRAIN_MS = 30_000;

interface Run {
  drive: DriveResult;
  card: number[];
  missing: number;
  backlogAfter: number;
  rssMb: number;
}

async function runStore(store: StoreKind, log: (l: string) => void): Promise<Run> {
  const nodeArgs = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const rig = await LoadRig.start(store, nodeArgs);
  try {
    if (WARMUP_SECONDS > 0) {
      await rig.drive({ rate: RATE, seconds: WARMUP_SECONDS, connections: CONNECTIONS, tag: "warm" });
      await rig.waitForCards(DRAIN_MS);
      rig.resetCards();
    }
    const drive = await rig.drive({ rate: RATE, seconds: SECONDS, connections: CONNECTIONS, tag: "run" });
    const missing = await rig.waitForCards(DRAIN_MS);
    const backlogAfter = await rig.backlog();
    const rssMb = rig.server.rssMb();
    log(
      `${store}: ${drive.sent} requests (${drive.achievedRate.toFixed(0)}/s answered 2xx), ${drive.errors} errors, ` +
        `${rig.cardMs.length} cards, ${missing} missing, ack p50/p99 ${drive.ack.p50}/${drive.ack.p99} ms`,
    );
    return { drive, card: rig.cardMs, missing, backlogAfter, rssMb };
  } finally {
    await rig.close();
  }
}

function figuresFor(store: StoreKind, r: Run): BenchFigure[] {
  const p = store === "sqlite" ? "e2e" : `e2e.${store}`;
  // The targets are the embedded store's; Firestore's figures are shown for comparison only.
  const judged = store === "sqlite";
  const note = judged ? "" : " (Firestore emulator; informational)";
  const cardP50 = percentile(r.card, 50);
  const cardP99 = percentile(r.card, 99);
  const target = (t: string, pass: boolean) => (judged ? { target: t, pass } : {});
  return [
    { key: `${p}.rate`, value: RATE, unit: "events/s", label: `offered load${note}` },
    {
      key: `${p}.achieved_rate`,
      value: Number(r.drive.achievedRate.toFixed(1)),
      unit: "events/s",
      label: `events answered 2xx per second${note}`,
      ...target(`>= ${RATE}`, r.drive.achievedRate >= RATE * 0.99),
    },
    { key: `${p}.requests`, value: r.drive.sent, label: `requests sent in ${SECONDS} s${note}` },
    {
      key: `${p}.errors`,
      value: r.drive.errors,
      label: `requests not answered 2xx${note}`,
      ...target("0", r.drive.errors === 0),
    },
    {
      key: `${p}.ack_p50_ms`,
      value: r.drive.ack.p50,
      unit: "ms",
      label: `ack latency p50 (sent → 200, durable)${note}`,
    },
    {
      key: `${p}.ack_p99_ms`,
      value: r.drive.ack.p99,
      unit: "ms",
      label: `ack latency p99${note}`,
      ...target("< 50", r.drive.ack.p99 < 50),
    },
    { key: `${p}.cards`, value: r.card.length, label: `cards received by the Slack stand-in${note}` },
    {
      key: `${p}.cards_missing`,
      value: r.missing,
      label: `events without a card ${DRAIN_MS / 1000} s after the load${note}`,
      ...target("0", r.missing === 0),
    },
    {
      key: `${p}.card_p50_ms`,
      value: Number(cardP50.toFixed(1)),
      unit: "ms",
      label: `webhook-to-card p50 (sent → chat.postMessage at the stand-in)${note}`,
    },
    {
      key: `${p}.card_p99_ms`,
      value: Number(cardP99.toFixed(1)),
      unit: "ms",
      label: `webhook-to-card p99${note}`,
      ...target("< 250", cardP99 < 250),
    },
    {
      key: `${p}.backlog_after`,
      value: r.backlogAfter,
      label: `inbox records still pending after the run${note}`,
    },
    {
      key: `${p}.server_rss_mb`,
      value: Number(r.rssMb.toFixed(1)),
      unit: "MB",
      label: `server process resident memory after the run${note}`,
    },
  ];
}

export const e2eSection: BenchSection = {
  name: "e2e",
  title: `webhook-to-card and ack latency at ${RATE} events/s for ${SECONDS} s: server process + Slack stand-in, autocannon over loopback (${CONNECTIONS} connections)`,
  async run(log) {
    const figures: BenchFigure[] = [];
    for (const store of STORES) figures.push(...figuresFor(store, await runStore(store, log)));
    return figures;
  },
};
