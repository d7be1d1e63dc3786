import { createInterface } from "node:readline";
import type { Config } from "../bot/config";
import {
  describeModel,
  loadIdentities,
  retrainFromInbox,
  trainAndSave,
} from "../detection/anomaly/retrainFromStore";
import type { IamEvent } from "../detection/model";
import { normalizeRecord } from "../detection/normalize";
import { extractAnyRecords } from "../handlers/envelopes";
import type { Store } from "../integrations/store/store";
import { openInput } from "./scan";

/**
 * `immune train [FILE…]`: trains the anomaly model on demand and stores it as the new current
 * version (a running server adopts it within a minute). With files (JSON Lines of CloudTrail
 * records, LogEntries, EventBridge events or Pub/Sub pushes; "-" for stdin) it trains on them
 * and also stores the baselines they build; without files it trains on the store's inbox, as
 * the retraining schedule does.
 */
export async function readEvents(files: string[]): Promise<{ events: IamEvent[]; skipped: number }> {
  const events: IamEvent[] = [];
  let skipped = 0;
  for (const file of files) {
    const lines = createInterface({ input: await openInput(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      try {
        const value: unknown = JSON.parse(trimmed);
        for (const v of Array.isArray(value) ? value : [value])
          for (const r of extractAnyRecords(v)) events.push(normalizeRecord(r.record));
      } catch {
        skipped++;
      }
    }
  }
  return { events, skipped };
}

export async function train(
  store: Store,
  config: Config,
  files: string[],
  out: (line: string) => void,
  now = new Date(),
): Promise<number> {
  const identities = await loadIdentities(store);
  const t0 = performance.now();
  if (!files.length) {
    // The inbox is streamed page by page: its window never has to fit in memory.
    const result = await retrainFromInbox(store, config, { now, identities });
    out(
      `read ${result.read.toLocaleString("en-US")} records from the inbox${result.skipped ? ` (${result.skipped} unreadable skipped)` : ""}${result.late ? ` (${result.late} delivered over an hour late, trained where they arrived)` : ""}`,
    );
    out(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${describeModel(result.model)}`);
    return 0;
  }
  const { events, skipped } = await readEvents(files);
  out(
    `read ${events.length.toLocaleString("en-US")} events from ${files.join(", ")}${skipped ? ` (${skipped} unreadable lines skipped)` : ""}`,
  );
  const t1 = performance.now();
  const result = await trainAndSave(store, events, config, { identities, saveState: true });
  out(`trained in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${describeModel(result.model)}`);
  out(`stored ${result.state.actorCount} actor baselines`);
  return 0;
}
