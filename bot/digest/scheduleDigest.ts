import { hostname } from "node:os";
import cron, { type ScheduledTask } from "node-cron";
import type { BotDeps } from "../botDeps";
import type { ChatChannel } from "../chatChannel";
import { postView } from "../postView";
import { digestView } from "../views/digestView";
import { digestData, yesterdayIn } from "./digestData";

/**
 * Sends yesterday's digest to every channel, once per day however many replicas run: the
 * first to create the lease `digest:<day>` in the store sends it, the others skip.
 * Returns whether this process sent it.
 */
export async function runDigestOnce(
  deps: BotDeps,
  channels: ChatChannel[],
  now = deps.now?.() ?? new Date(),
) {
  const tz = deps.config.DIGEST_TIMEZONE;
  const day = yesterdayIn(tz, now);
  const lease = { by: `${hostname()}:${process.pid}`, at: now.toISOString() };
  if (!(await deps.store.create("leases", `digest:${day}`, lease))) return false;
  const view = digestView(await digestData(deps.store, day, tz, now));
  const delivered = await postView(channels, view, (ch, err) =>
    deps.log?.error({ err, channel: ch.name }, "digest: could not post"),
  );
  // Posted nowhere: give the day back, so the next run (or another replica) tries again.
  if (delivered === 0 && channels.length > 0) {
    await deps.store.delete("leases", `digest:${day}`);
    return false;
  }
  return true;
}

/** Schedules the daily digest at DIGEST_CRON in DIGEST_TIMEZONE (node-cron). */
export function scheduleDigest(deps: BotDeps, channels: ChatChannel[]): ScheduledTask {
  return cron.schedule(
    deps.config.DIGEST_CRON,
    async () => {
      try {
        await runDigestOnce(deps, channels);
      } catch (err) {
        deps.log?.error({ err }, "digest failed");
      }
    },
    { timezone: deps.config.DIGEST_TIMEZONE, name: "daily-digest", noOverlap: true },
  );
}
