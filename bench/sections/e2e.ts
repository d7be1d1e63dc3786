import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import type { ChatChannel } from "../../bot/chatChannel";
import { loadConfig } from "../../bot/config";
import { createLogger } from "../../bot/logger";
import { createImmuneServer } from "../../bot/server";
import type { Incident } from "../../detection/model";
import { gcpPublicBucketEntry, pubSubPush } from "../../test/helpers/fixtures";
import type { BenchFigure, BenchSection } from "../section";
import { percentile } from "../section";

/**
 * Webhook-to-card and ack latency under sustained load: autocannon drives the real server over
 * loopback at a fixed rate; every request is a Pub/Sub push of a public-bucket grant by its own
 * principal, so each makes its own incident and card. Ack latency is autocannon's (request sent
 * → 200, i.e. durably in the inbox); card latency is request sent → the chat channel asked to
 * post that incident's card.
 */
const RATE = Number(process.env.BENCH_E2E_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);

interface Run {
  ack: { p50: number; p99: number; mean: number };
  card: number[];
  sent: number;
  ok: number;
  errors: number;
  backlogAfter: number;
}

async function drive(store: "sqlite", log: (l: string) => void): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), "immune-bench-e2e-"));
  const sentAt = new Map<string, number>();
  const card: number[] = [];
  const channel: ChatChannel = {
    name: "console",
    async publishIncident(incident: Incident) {
      const now = performance.now();
      for (const f of incident.findings) {
        const id = f.eventId.slice(f.eventId.lastIndexOf(":") + 1);
        const t0 = sentAt.get(id);
        if (t0 !== undefined) {
          card.push(now - t0);
          sentAt.delete(id);
        }
      }
    },
    async notify() {},
  };
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    STORE: store,
    LOG_LEVEL: "silent",
  });
  const server = await createImmuneServer(config, {
    channels: [channel],
    logger: createLogger("silent"),
  });
  const { url } = await server.listen();
  let n = 0;
  try {
    const result = await autocannon({
      url,
      connections: 32,
      overallRate: RATE,
      duration: SECONDS,
      requests: [
        {
          method: "POST",
          path: "/events/gcp",
          headers: { "content-type": "application/json" },
          setupRequest(req) {
            n++;
            const insertId = `bench${n.toString(36)}x${Date.now().toString(36)}`;
            const body = JSON.stringify(
              pubSubPush(gcpPublicBucketEntry({ insertId, principal: `user${n}@example.com` }), String(n)),
            );
            sentAt.set(insertId, performance.now());
            return { ...req, body };
          },
        },
      ],
    });
    // Let the worker finish what was accepted, so every card is counted.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await server.store.inboxCounts()).pending > 0) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200));
    const backlogAfter = (await server.store.inboxCounts()).pending;
    log(
      `${store}: ${result.requests.total} requests, ${result["2xx"]} ok, ${result.errors} errors, ${card.length} cards`,
    );
    return {
      ack: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
      card,
      sent: result.requests.total,
      ok: result["2xx"],
      errors: result.errors + result.non2xx,
      backlogAfter,
    };
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const e2eSection: BenchSection = {
  name: "e2e",
  title: `webhook-to-card and ack latency at ${RATE} events/s for ${SECONDS} s (autocannon over loopback)`,
  async run(log) {
    const figures: BenchFigure[] = [];
    for (const store of ["sqlite"] as const) {
      const r = await drive(store, log);
      const p = store === "sqlite" ? "e2e" : `e2e.${store}`;
      const cardP50 = percentile(r.card, 50);
      const cardP99 = percentile(r.card, 99);
      figures.push(
        { key: `${p}.rate`, value: RATE, unit: "events/s", label: `offered load (${store} store)` },
        { key: `${p}.requests`, value: r.sent, label: "requests sent" },
        {
          key: `${p}.errors`,
          value: r.errors,
          label: "requests not answered 2xx",
          target: "0",
          pass: r.errors === 0,
        },
        {
          key: `${p}.ack_p50_ms`,
          value: r.ack.p50,
          unit: "ms",
          label: "ack latency p50 (sent → 200, durable)",
        },
        {
          key: `${p}.ack_p99_ms`,
          value: r.ack.p99,
          unit: "ms",
          label: "ack latency p99",
          target: "< 50",
          pass: r.ack.p99 < 50,
        },
        { key: `${p}.cards`, value: r.card.length, label: "cards posted (one per event)" },
        {
          key: `${p}.card_p50_ms`,
          value: Number(cardP50.toFixed(1)),
          unit: "ms",
          label: "webhook-to-card p50",
        },
        {
          key: `${p}.card_p99_ms`,
          value: Number(cardP99.toFixed(1)),
          unit: "ms",
          label: "webhook-to-card p99",
          target: "< 250",
          pass: cardP99 < 250,
        },
        {
          key: `${p}.backlog_after`,
          value: r.backlogAfter,
          label: "inbox records still pending after the run",
        },
      );
    }
    return figures;
  },
};
