import cluster, { type Worker } from "node:cluster";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { ServerOverrides } from "./server";

/**
 * WEB_PROCESSES: the work split over processes, so a webhook's acknowledgement never waits
 * behind the analysis of other events. The first process (the cluster primary) works the inbox
 * and runs the schedules without listening; it forks the web processes, which share the port
 * (the kernel spreads connections over them) and answer every request: they authenticate,
 * validate and persist, then tell the primary over IPC. Everything between them goes through
 * the store, exactly as between two replicas (claims, compare-and-set, idempotent effects);
 * only wake-ups and /metrics go over IPC. A web process that dies is started again; when the
 * primary dies its web processes exit with it (Node's cluster does that), so a restart finds
 * the port free.
 */

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

type WebMessage =
  | { type: "immune:wake" }
  | { type: "immune:identities" }
  | { type: "immune:metrics?"; id: number };
type InboxMessage = { type: "immune:metrics"; id: number; metrics: Metrics };

export function isWebProcess(): boolean {
  return cluster.isWorker;
}

/** In a web process: the server overrides that reach the inbox process. */
export function webProcessOverrides(): Pick<
  ServerOverrides,
  "role" | "onAccepted" | "onIdentitiesChanged" | "peerMetrics"
> {
  let seq = 0;
  const waiting = new Map<number, (m: Metrics) => void>();
  process.on("message", (m: InboxMessage) => {
    if (m?.type !== "immune:metrics") return;
    waiting.get(m.id)?.(m.metrics);
    waiting.delete(m.id);
  });
  const send = (m: WebMessage) => process.send?.(m);
  // One wake-up per turn of the event loop, however many events were accepted in it.
  let wakeQueued = false;
  return {
    role: "web",
    onAccepted() {
      if (wakeQueued) return;
      wakeQueued = true;
      setImmediate(() => {
        wakeQueued = false;
        send({ type: "immune:wake" });
      });
    },
    onIdentitiesChanged() {
      send({ type: "immune:identities" });
    },
    peerMetrics() {
      return new Promise<Metrics>((resolve, reject) => {
        const id = ++seq;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error("no answer within 2 s"));
        }, 2000);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        send({ type: "immune:metrics?", id });
      });
    },
  };
}

export interface InboxSide {
  wake(): void;
  identitiesChanged(): void;
  metricsSnapshot(): Promise<Metrics>;
}

/** In the primary: starts, watches and stops the web processes. */
export class WebProcesses {
  private stopping = false;
  private inbox?: InboxSide;
  private readonly workers = new Set<Worker>();
  private recentDeaths: number[] = [];

  constructor(
    private readonly count: number,
    private readonly log: (level: "info" | "warn" | "error", msg: string, extra?: object) => void,
  ) {}

  /** Forks the web processes; resolves with the port once the first one listens. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onListening = (_w: Worker, address: { port: number }) => {
        cluster.off("listening", onListening);
        cluster.off("exit", onEarlyExit);
        resolve(address.port);
      };
      // A web process that cannot start (port taken, bad configuration) fails the start.
      const onEarlyExit = (_w: Worker, code: number | null, signal: string | null) => {
        cluster.off("listening", onListening);
        cluster.off("exit", onEarlyExit);
        reject(new Error(`web process exited at start-up (${signal ?? `code ${code}`})`));
      };
      cluster.on("listening", onListening);
      cluster.on("exit", onEarlyExit);
      for (let i = 0; i < this.count; i++) this.fork();
    });
  }

  /** Where wake-ups and metrics requests go once the inbox side runs. */
  attach(inbox: InboxSide): void {
    this.inbox = inbox;
    // Events accepted before it was ready are claimed on its first pass anyway.
    inbox.wake();
  }

  private fork(): void {
    const w = cluster.fork();
    this.workers.add(w);
    w.on("message", (m: WebMessage) => {
      if (m?.type === "immune:wake") this.inbox?.wake();
      else if (m?.type === "immune:identities") this.inbox?.identitiesChanged();
      else if (m?.type === "immune:metrics?") {
        const reply = (metrics: Metrics) => {
          if (w.isConnected()) w.send({ type: "immune:metrics", id: m.id, metrics } satisfies InboxMessage);
        };
        (this.inbox ? this.inbox.metricsSnapshot() : Promise.resolve([])).then(reply, () => reply([]));
      }
    });
    w.on("exit", (code, signal) => {
      this.workers.delete(w);
      if (this.stopping) return;
      const now = Date.now();
      this.recentDeaths = [...this.recentDeaths.filter((t) => now - t < 60_000), now];
      // Restarted at once, then more slowly if it keeps dying (at most one a second after 3 a minute).
      const delay = this.recentDeaths.length > 3 ? 1000 * Math.min(30, this.recentDeaths.length) : 0;
      this.log("error", "web process exited; starting another", { code, signal, delayMs: delay });
      setTimeout(() => {
        if (!this.stopping) this.fork();
      }, delay).unref();
    });
  }

  /** Graceful: each web process finishes its requests (and commits them) and exits. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once("exit", () => resolve());
          const force = setTimeout(() => w.process.kill("SIGKILL"), graceMs);
          w.once("exit", () => clearTimeout(force));
          w.process.kill("SIGTERM");
        }),
    );
    await Promise.all(exits);
  }
}
