import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import type { ChildFirestoreEmulator, ChildServer } from "../test/helpers/childServer";
import { startChildFirestoreEmulator, startChildServer } from "../test/helpers/childServer";
import { gcpPublicBucketEntry, pubSubPush } from "../test/helpers/fixtures";
import { SlackStandIn } from "../test/helpers/slackStandIn";
import { percentile } from "./section";

/**
 * The production shape under load, for the e2e and soak sections: the real server in its own
 * process (started like `npm start`, configured by environment), Slack configured and pointed
 * at the Slack Web API stand-in, which runs here and notes when each card arrives; for the
 * Firestore store, the emulator in a third process. autocannon drives the server from here.
 *
 * The stream is a mix: one request in `cardEvery` is a Pub/Sub push of a public-bucket grant by
 * a principal of its own, so it makes its own incident and its own card (chat.postMessage); the
 * others are routine audit entries (bucket listings by 100 known users) that the pipeline reads,
 * stores and analyses without a finding, as most of a real audit-log stream. Card latency is
 * request sent → the stand-in received the card naming that principal.
 *
 * autocannon paces each connection per second: it sends its share back to back, then waits for
 * the next second. One autocannon with every connection would send the whole second's events
 * in one burst at the top of each second; so the load runs as `lanes` autocannon instances,
 * started 1/lanes s apart, each with its share of the rate and connections: bursts of
 * rate/lanes events every 1/lanes s. Ack latencies are collected per request from all lanes.
 */
export type StoreKind = "sqlite" | "firestore";

export interface DriveResult {
  /** autocannon's latency: request sent → 200 (the record is durable in the inbox). */
  ack: { p50: number; p99: number; mean: number; max: number };
  sent: number;
  ok: number;
  errors: number;
  /** 2xx answers per second over the run. */
  achievedRate: number;
}

const SIGNING_SECRET = "bench-load-signing-secret";
/** As in the Dockerfile's CMD: the production heap limit (see the comment there). */
export const SERVER_NODE_FLAGS = ["--max-old-space-size=1536"];
/** As in the Dockerfile's ENV: one process answers requests, the first works the inbox. */
export const SERVER_ENV = { WEB_PROCESSES: "1" };
const ROUTINE = JSON.parse(
  readFileSync(new URL("../examples/gcp/public-bucket-attack.jsonl", import.meta.url), "utf8").split("\n")[0],
) as {
  insertId: string;
  timestamp: string;
  protoPayload: { authenticationInfo: { principalEmail: string } };
};

/** A routine entry (a bucket listing by one of 100 known users) at `time`: no finding. */
function routineEntry(n: number, id: string, time: string): unknown {
  return {
    ...ROUTINE,
    insertId: id,
    timestamp: time,
    receiveTimestamp: time,
    protoPayload: {
      ...ROUTINE.protoPayload,
      authenticationInfo: { principalEmail: `staff${n % 100}@example.com` },
    },
  };
}
const PRINCIPAL = /\b([a-z]+-\d+)@bench\.example\.com/;

export class LoadRig {
  /** Card latencies (ms) of the events sent since the last resetCards(). */
  cardMs: number[] = [];
  private sentAt = new Map<string, number>();
  private seq = 0;

  private constructor(
    readonly store: StoreKind,
    readonly server: ChildServer,
    readonly slack: SlackStandIn,
    private readonly dataDir: string,
    private readonly emulator?: ChildFirestoreEmulator,
  ) {}

  static async start(store: StoreKind, nodeArgs: string[] = []): Promise<LoadRig> {
    let rig: LoadRig | undefined;
    const slack = await new SlackStandIn({
      record: false,
      onCall: (method, body) => {
        if (method === "chat.postMessage" && !body.thread_ts) rig?.sawCard(body);
      },
    }).start();
    const emulator = store === "firestore" ? await startChildFirestoreEmulator() : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), "immune-bench-"));
    const server = await startChildServer(
      {
        DATA_DIR: dataDir,
        STORE: store,
        ...(emulator ? { FIRESTORE_PROJECT_ID: "bench", FIRESTORE_EMULATOR_HOST: emulator.host } : {}),
        SLACK_BOT_TOKEN: "xoxb-0000-0000-benchtoken",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: "C0BENCH",
        LINK_SIGNING_SECRET: "bench-link-signing-key",
        LOG_LEVEL: "info",
        ...SERVER_ENV,
        // To compare layouts side by side: BENCH_WEB_PROCESSES=0 runs everything in one process.
        ...(process.env.BENCH_WEB_PROCESSES ? { WEB_PROCESSES: process.env.BENCH_WEB_PROCESSES } : {}),
      },
      // The node flags the container runs the server with (Dockerfile CMD).
      { nodeArgs: [...SERVER_NODE_FLAGS, ...nodeArgs], logToSuite: false },
    );
    rig = new LoadRig(store, server, slack, dataDir, emulator);
    return rig;
  }

  private sawCard(body: Record<string, unknown>): void {
    const now = performance.now();
    const m = PRINCIPAL.exec(JSON.stringify(body.blocks ?? body.text ?? ""));
    if (!m) return;
    const t0 = this.sentAt.get(m[1]);
    if (t0 === undefined) return;
    this.sentAt.delete(m[1]);
    this.cardMs.push(now - t0);
  }

  resetCards(): void {
    this.cardMs = [];
    this.sentAt.clear();
  }

  /** Cards still expected (events sent whose card has not arrived). */
  get cardsPending(): number {
    return this.sentAt.size;
  }

  /** Offers `rate` events/s for `seconds`; one in `cardEvery` makes a card (see above). */
  async drive(opts: {
    rate: number;
    seconds: number;
    connections: number;
    tag: string;
    cardEvery: number;
    lanes?: number;
  }): Promise<DriveResult> {
    const lanes = Math.max(1, Math.min(opts.lanes ?? 10, opts.rate));
    const ackMs: number[] = [];
    const setupRequest = (req: autocannon.Request) => {
      const n = ++this.seq;
      const id = `${opts.tag}-${n}`;
      // Events happen now, as in a live stream (the detection state's windows move with them).
      const time = new Date().toISOString();
      const insertId = `${id}-${Date.now().toString(36)}`;
      const entry =
        n % opts.cardEvery === 0
          ? gcpPublicBucketEntry({ insertId, principal: `${id}@bench.example.com`, timestamp: time })
          : routineEntry(n, insertId, time);
      if (n % opts.cardEvery === 0) this.sentAt.set(id, performance.now());
      return { ...req, body: JSON.stringify(pubSubPush(entry, `${opts.tag}${n}`)) };
    };
    const runs = Array.from({ length: lanes }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i * 1000) / lanes));
      return new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: this.server.url,
            connections: Math.max(1, Math.round(opts.connections / lanes)),
            overallRate: Math.floor(opts.rate / lanes) + (i < opts.rate % lanes ? 1 : 0),
            duration: opts.seconds,
            requests: [
              {
                method: "POST",
                path: "/events/gcp",
                headers: { "content-type": "application/json" },
                setupRequest,
              },
            ],
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
        instance.on("response", (_client, status, _bytes, responseTime) => {
          if (status >= 200 && status < 300) ackMs.push(responseTime);
        });
      });
    });
    const results = await Promise.all(runs);
    const ok = results.reduce((n, r) => n + r["2xx"], 0);
    return {
      ack: {
        p50: percentile(ackMs, 50),
        p99: percentile(ackMs, 99),
        mean: ackMs.reduce((x, y) => x + y, 0) / Math.max(1, ackMs.length),
        max: Math.max(...ackMs),
      },
      sent: results.reduce((n, r) => n + r.requests.total, 0),
      ok,
      errors: results.reduce((n, r) => n + r.errors + r.non2xx, 0),
      achievedRate: ok / opts.seconds,
    };
  }

  /** Waits until every sent event's card arrived, or the timeout; returns cards still missing. */
  async waitForCards(timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (this.sentAt.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    return this.sentAt.size;
  }

  /** Inbox records the server still has to process (its /readyz). */
  async backlog(): Promise<number> {
    const res = await fetch(`${this.server.url}/readyz`);
    const body = (await res.json()) as { backlog?: number };
    return body.backlog ?? -1;
  }

  async close(): Promise<void> {
    await this.server.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    await this.emulator?.stop();
    await this.slack.stop();
  }
}
