import { type DriveResult, LoadRig, type StoreKind } from "../loadRig";
import type { BenchFigure, BenchSection } from "../section";
import { percentile } from "../section";

/**
 * Webhook-to-card and ack latency under sustained load, in the production shape: the real
 * server in its own process (as `npm start` runs it), Slack configured and answered by the
 * Slack stand-in, autocannon offering RATE events/s over loopback for SECONDS (bench/loadRig.ts
 * has the details: the event mix, the staggered autocannon lanes). Ack latency is request sent
 * → 200 (durably in the inbox); card latency is request sent → the stand-in received
 * chat.postMessage with that event's card. Run on the embedded SQLite store (the targets) and
 * on the Firestore emulator in its own process (informational: the emulator is a test double
 * written in JavaScript, not Firestore's performance).
 *
 * One event in CARD_EVERY is a risky change by a new principal (its own incident and card:
 * RATE/CARD_EVERY new cards a second, far above Slack's one message a second per channel);
 * the rest are routine entries with no finding. A short warm-up at the same rate (not
 * counted) lets the server's JIT settle first.
 */
const RATE = Number(process.env.BENCH_E2E_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_E2E_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_E2E_CONNECTIONS ?? 50);
/** One event in CARD_EVERY is a risky change by a new principal: its own incident and card. */
const CARD_EVERY = Number(process.env.BENCH_E2E_CARD_EVERY ?? 10);
const STORES = (process.env.BENCH_E2E_STORES ?? "sqlite,firestore").split(",") as StoreKind[];
/**
 * How long the run waits after the load for the last cards: the emulator falls far behind,
 * and waiting longer for it would only stretch `npm run bench` past its 15 minutes.
 */
const DRAIN_MS: Record<StoreKind, number> = { sqlite: 30_000, firestore: 10_000 };

interface Run {
  drive: DriveResult;
  card: number[];
  missing: number;
  backlogAfter: number;
  rssMb: number;
  cpuMsPerEvent: number;
}

async function runStore(store: StoreKind, log: (l: string) => void): Promise<Run> {
  const nodeArgs = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const rig = await LoadRig.start(store, nodeArgs);
  try {
    if (WARMUP_SECONDS > 0) {
      await rig.drive({
        rate: RATE,
        seconds: WARMUP_SECONDS,
        connections: CONNECTIONS,
        tag: "warm",
        cardEvery: CARD_EVERY,
      });
      await rig.waitForCards(DRAIN_MS[store]);
      rig.resetCards();
    }
    const cpu0 = rig.server.cpuMs();
    const drive = await rig.drive({
      rate: RATE,
      seconds: SECONDS,
      connections: CONNECTIONS,
      tag: "run",
      cardEvery: CARD_EVERY,
    });
    const missing = await rig.waitForCards(DRAIN_MS[store]);
    const cpuMsPerEvent = (rig.server.cpuMs() - cpu0) / Math.max(1, drive.ok);
    const backlogAfter = await rig.backlog();
    const rssMb = rig.server.rssMb();
    log(
      `${store}: ${drive.sent} requests (${drive.achievedRate.toFixed(0)}/s answered 2xx), ${drive.errors} errors, ` +
        `${rig.cardMs.length} cards, ${missing} missing, ack p50/p99 ${drive.ack.p50}/${drive.ack.p99} ms`,
    );
    return { drive, card: rig.cardMs, missing, backlogAfter, rssMb, cpuMsPerEvent };
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
      key: `${p}.card_rate`,
      value: RATE / CARD_EVERY,
      unit: "cards/s",
      label: `of which new incidents, each with its own card (1 event in ${CARD_EVERY})${note}`,
    },
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
      label: `events without a card ${DRAIN_MS[store] / 1000} s after the load${note}`,
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
      key: `${p}.server_cpu_ms_per_event`,
      value: Number(r.cpuMsPerEvent.toFixed(3)),
      unit: "ms",
      label: `server process CPU time per accepted event, intake to card (${RATE} of them a second need ${((r.cpuMsPerEvent * RATE) / 10).toFixed(0)}% of one core)${note}`,
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
  title: `webhook-to-card and ack latency at ${RATE} events/s (1 in ${CARD_EVERY} a new incident) for ${SECONDS} s: server process + Slack stand-in, autocannon over loopback (${CONNECTIONS} connections)`,
  async run(log) {
    const figures: BenchFigure[] = [];
    for (const store of STORES) figures.push(...figuresFor(store, await runStore(store, log)));
    return figures;
  },
};
