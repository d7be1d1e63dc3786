import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnomalyTrainingConfig } from "../detection/anomaly/retrainFromStore";
import { trainFromInbox, trainOptions } from "../detection/anomaly/retrainFromStore";
import { trainModel } from "../detection/anomaly/trainModel";
import type { IamEvent } from "../detection/model";
import { normalizeRecord } from "../detection/normalize";
import { SqliteStore } from "../integrations/store/sqliteStore";
import { DAY, generateOrg, orgEvents, toLogEntry } from "./syntheticOrg";

/**
 * Memory of anomaly retraining from the inbox, the old way (the whole window read, normalized
 * into one array, then trained) against the streamed way (pages of 5,000 by cursor). Fills a
 * SQLite store in a temp dir with ~N synthetic Cloud Audit LogEntries delivered as five-minute
 * files, then trains each way in a child process of its own and prints peak heap used
 * (sampled every 2 ms and at the old way's stages), peak RSS, wall time, and the longest the
 * event loop was held (what a webhook arriving meanwhile would wait).
 *
 *   npx tsx bench/retrainMemory.ts [events=300000]
 *
 * Not a test and not a benchmark section: a measurement for the record.
 */

const DAYS = 60;
const cfg: AnomalyTrainingConfig = {
  ANOMALY_BASELINE_DAYS: 20,
  ANOMALY_TRAINING_DAYS: DAYS,
  ANOMALY_TREES: 100,
  ANOMALY_SAMPLE: 256,
  ANOMALY_SEED: 1,
};

interface Measured {
  mode: string;
  records: number;
  events: number;
  peakHeapMB: number;
  peakRssMB: number;
  wallS: number;
  maxStallMs: number;
  /** The forest fit at the end, one synchronous step in both ways. */
  fitMs: number;
  /** sha256 of the model document: the two ways must train the same model. */
  model: string;
}

const MB = 1024 * 1024;
const digest = (doc: unknown) => createHash("sha256").update(JSON.stringify(doc)).digest("hex").slice(0, 12);

async function child(mode: "old" | "streamed", dbPath: string, nowMs: number): Promise<void> {
  const store = new SqliteStore(dbPath);
  const now = new Date(nowMs);
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  // The longest the event loop went without running the sampler: how long a webhook would wait.
  let lastTick = performance.now();
  let maxStallMs = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    maxStallMs = Math.max(maxStallMs, t - lastTick);
    lastTick = t;
    sample();
  }, 2);
  const t0 = performance.now();
  let records = 0;
  let events = 0;
  let model = "";
  let fitMs = 0;
  if (mode === "old") {
    // As retrainFromStore's historyFromInbox + trainAndSave did before streaming.
    const since = new Date(nowMs - cfg.ANOMALY_TRAINING_DAYS * DAY);
    const list = await store.listInbox({ status: "done", receivedAfter: since, limit: 2_000_000 });
    sample();
    const history: IamEvent[] = [];
    for (const r of list) {
      try {
        history.push(normalizeRecord(JSON.parse(r.payload)));
      } catch {
        // skipped, as before
      }
    }
    sample();
    const result = trainModel(history, trainOptions(cfg, { now }));
    sample();
    records = list.length;
    events = result.stats.events;
    model = digest(result.model.toDoc());
    fitMs = result.stats.fitMs;
  } else {
    const result = await trainFromInbox(store, cfg, { now });
    sample();
    records = result.read;
    events = result.stats.events;
    model = digest(result.model.toDoc());
    fitMs = result.stats.fitMs;
  }
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(timer);
  maxStallMs = Math.max(maxStallMs, performance.now() - lastTick);
  await store.close();
  const out: Measured = {
    mode,
    records,
    events,
    peakHeapMB: Math.round(peak / MB),
    // maxRSS is in kilobytes on Linux.
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    wallS: Number(wallS.toFixed(1)),
    maxStallMs: Math.round(maxStallMs),
    fitMs: Math.round(fitMs),
    model,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function parent(target: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "immune-retrain-memory-"));
  const dbPath = join(dir, "immune.db");
  try {
    // ~15.5 events per identity per day (syntheticOrg).
    const identities = Math.max(10, Math.round(target / (15.5 * DAYS)));
    const org = generateOrg({ identities, days: DAYS, seed: 17 });
    const nowMs = org.start + DAYS * DAY;
    const store = new SqliteStore(dbPath);
    const t0 = performance.now();
    let n = 0;
    const FIVE_MIN = 5 * 60_000;
    for (let d = 0; d < DAYS; d++) {
      const day = orgEvents(org, d, d + 1);
      for (let i = 0; i < day.length; i += 5000) {
        const chunk = day.slice(i, i + 5000).map((e, k) => ({
          id: `gcp:${e.id}`,
          source: "gcp",
          payload: JSON.stringify(toLogEntry(e)),
          // Delivered in five-minute files, 0-10 minutes late.
          receivedAt: new Date(
            Math.ceil((Date.parse(e.time) + 1) / FIVE_MIN) * FIVE_MIN + ((n + k) % 3) * FIVE_MIN,
          ),
        }));
        await store.putInbox(chunk);
        await store.completeInbox(
          chunk.map((r) => r.id),
          new Date(nowMs),
        );
        n += chunk.length;
      }
    }
    await store.close();
    console.log(
      `filled ${n.toLocaleString("en-US")} events (${identities} identities, ${DAYS} days) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const self = fileURLToPath(import.meta.url);
    const results: Measured[] = [];
    for (const mode of ["old", "streamed"]) {
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", self, "child", mode, dbPath, String(nowMs)],
        {
          encoding: "utf8",
          maxBuffer: 10 * MB,
        },
      );
      if (run.status !== 0) throw new Error(`${mode} run failed: ${run.stderr}`);
      const line = run.stdout.trim().split("\n").pop() ?? "";
      results.push(JSON.parse(line) as Measured);
    }
    console.table(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [, , cmd, ...rest] = process.argv;
if (cmd === "child") await child(rest[0] as "old" | "streamed", rest[1], Number(rest[2]));
else await parent(Number(cmd ?? 300_000));
