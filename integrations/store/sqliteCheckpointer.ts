import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Checkpoints an SQLite WAL from a worker thread. SQLite's automatic checkpoint runs inside
 * whichever commit crosses the threshold, on the event loop: it copies ~4 MB of pages into the
 * database file and fsyncs it, stalling every request in flight for several milliseconds about
 * once a second at 500 webhooks/s. With automatic checkpoints off on the serving connection,
 * this thread's own connection runs PASSIVE checkpoints (they never block writers), and the
 * next commit after a complete one restarts the WAL from its beginning, so the file stays small.
 *
 * The worker is plain CommonJS given as source, so it runs the same under tsx, vitest and node.
 */
const DRIVER = createRequire(import.meta.url).resolve("better-sqlite3");

const SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
db.pragma("wal_autocheckpoint = 0");
db.pragma("synchronous = NORMAL");
const tick = () => {
  try {
    const [r] = db.pragma("wal_checkpoint(PASSIVE)");
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String((err && err.message) || err) });
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointReport {
  ok: boolean;
  /** Frames in the WAL and frames copied into the database so far (PRAGMA wal_checkpoint). */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private exited: Promise<void>;
  last?: CheckpointReport;

  constructor(path: string, everyMs: number, onReport?: (r: CheckpointReport) => void) {
    this.worker = new Worker(SOURCE, { eval: true, workerData: { path, driver: DRIVER, everyMs } });
    // Never what keeps the process alive.
    this.worker.unref();
    this.worker.on("message", (r: CheckpointReport) => {
      this.last = r;
      onReport?.(r);
    });
    this.exited = new Promise((resolve) => {
      this.worker.once("exit", () => resolve());
      this.worker.once("error", () => resolve());
    });
  }

  /** Closes the worker's connection and waits for the thread to end (1 s at most). */
  async stop(): Promise<void> {
    this.worker.postMessage("stop");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          void this.worker.terminate().then(() => resolve());
        }, 1000);
      }),
    ]);
    if (timer) clearTimeout(timer);
  }
}
