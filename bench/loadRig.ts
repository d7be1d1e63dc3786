import autocannon from "autocannon";
import type { ChildFirestoreEmulator, ChildServer } from "../test/helpers/childServer";
import { startChildFirestoreEmulator, startChildServer } from "../test/helpers/childServer";
import { gcpPublicBucketEntry, pubSubPush } from "../test/helpers/fixtures";
import { SlackStandIn } from "../test/helpers/slackStandIn";

/**
 * The production shape under load, for the e2e and soak sections: the real server in its own
 * process (started like `npm start`, configured by environment), Slack configured and pointed
 * at the Slack Web API stand-in, which runs here and notes when each card arrives; for the
 * Firestore store, the emulator in a third process. autocannon drives the server from here.
 *
 * Every request is a Pub/Sub push of a public-bucket grant by its own principal, so each one
 * makes its own incident and its own card (chat.postMessage). Card latency is request sent →
 * the stand-in received the card naming that principal.
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
    const server = await startChildServer(
      {
        STORE: store,
        ...(emulator ? { FIRESTORE_PROJECT_ID: "bench", FIRESTORE_EMULATOR_HOST: emulator.host } : {}),
        SLACK_BOT_TOKEN: "xoxb-0000-0000-benchtoken",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_INCIDENT_CHANNEL: "C0BENCH",
        LINK_SIGNING_SECRET: "bench-link-signing-key",
        LOG_LEVEL: "info",
      },
      { nodeArgs },
    );
    rig = new LoadRig(store, server, slack, emulator);
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

  /** Offers `rate` events/s for `seconds` over `connections` keep-alive connections. */
  async drive(opts: {
    rate: number;
    seconds: number;
    connections: number;
    tag: string;
  }): Promise<DriveResult> {
    const result = await autocannon({
      url: this.server.url,
      connections: opts.connections,
      overallRate: opts.rate,
      duration: opts.seconds,
      requests: [
        {
          method: "POST",
          path: "/events/gcp",
          headers: { "content-type": "application/json" },
          setupRequest: (req) => {
            const n = ++this.seq;
            const who = `${opts.tag}-${n}`;
            const body = JSON.stringify(
              pubSubPush(
                gcpPublicBucketEntry({
                  insertId: `${who}-${Date.now().toString(36)}`,
                  principal: `${who}@bench.example.com`,
                }),
                `${opts.tag}${n}`,
              ),
            );
            this.sentAt.set(who, performance.now());
            return { ...req, body };
          },
        },
      ],
    });
    return {
      ack: {
        p50: result.latency.p50,
        p99: result.latency.p99,
        mean: result.latency.average,
        max: result.latency.max,
      },
      sent: result.requests.total,
      ok: result["2xx"],
      errors: result.errors + result.non2xx,
      achievedRate: result["2xx"] / opts.seconds,
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
    await this.server.close();
    await this.emulator?.stop();
    await this.slack.stop();
  }
}
