import type { FeatureContext, ServerFeature } from "./serverFeature";
import { TimeSlice } from "./timeSlice";

/**
 * Inbox retention: the inbox keeps every accepted record (the raw event, for replays, remediation
 * planning and retraining), so without pruning the store grows for good. Once an hour (and at
 * start) processed records older than the retention are deleted in batches, oldest first, giving
 * the event loop back between batches (TimeSlice) so webhooks keep being answered. Retention never drops below
 * ANOMALY_TRAINING_DAYS: retraining reads that much history from the inbox. Replicas may prune
 * at once; deleting a deleted record is harmless.
 */
const EVERY_MS = 60 * 60 * 1000;
const BATCH = 1000;
/** Per run at most: a large backlog of old records is worked off over a few hours, not at once. */
const MAX_BATCHES = 100;

export function retentionDays(config: FeatureContext["config"]): number {
  if (config.INBOX_RETENTION_DAYS === 0) return 0;
  return Math.max(config.INBOX_RETENTION_DAYS, config.ANOMALY_TRAINING_DAYS);
}

/** Deletes processed records received before now − days; returns how many. */
export async function pruneInbox(
  ctx: Pick<FeatureContext, "store">,
  days: number,
  now: Date,
): Promise<number> {
  const before = new Date(now.getTime() - days * 86_400_000);
  let total = 0;
  const slice = new TimeSlice();
  for (let i = 0; i < MAX_BATCHES; i++) {
    const n = await ctx.store.pruneInbox(before, BATCH);
    total += n;
    if (n < BATCH) break;
    await slice.pause();
  }
  return total;
}

export function inboxRetentionFeature(opts: { now?: () => Date } = {}): ServerFeature {
  return {
    name: "inboxRetention",
    install(ctx) {
      const days = retentionDays(ctx.config);
      if (days === 0) {
        ctx.announce("inbox retention: off (INBOX_RETENTION_DAYS=0), processed records are kept");
        return;
      }
      const now = opts.now ?? (() => new Date());
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> | undefined;
      const run = () => {
        running ??= pruneInbox(ctx, days, now())
          .then((n) => {
            if (n > 0) ctx.logger.info({ deleted: n, days }, "inbox retention: pruned processed records");
          })
          .catch((err) =>
            ctx.logger.warn({ error: (err as Error).message }, "inbox retention: prune failed; next hour"),
          )
          .finally(() => {
            running = undefined;
          });
        return running;
      };
      ctx.onStart(async () => {
        void run();
        timer = setInterval(run, EVERY_MS);
        timer.unref();
      });
      ctx.onStop(async () => {
        if (timer) clearInterval(timer);
        await running;
      });
      ctx.announce(`inbox retention: processed records kept ${days} days`);
    },
  };
}
