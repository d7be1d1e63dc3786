import { hostname } from "node:os";
import cron, { type ScheduledTask } from "node-cron";
import { postView } from "../../bot/postView";
import type { FeatureContext, ServerFeature } from "../../bot/serverFeature";
import { TimeSlice } from "../../bot/timeSlice";
import { leastPrivilegeReportView } from "../../bot/views/leastPrivilegeReportView";
import type { IamEvent } from "../../detection/model";
import { type LeastPrivilegeSettings, leastPrivilegeSettings } from "./leastPrivilegeConfig";
import { RecommendationRefresher } from "./recommendationSummary";
import { listUsage, recordUsage } from "./usage";
import { weeklyExcessReport } from "./weeklyExcessReport";

/**
 * Least privilege in the server: every processed batch of events records who used which
 * permission and who was granted what (the usage store), and refreshes those principals'
 * recommendations, which `/immune recommend <who>` shows. Once a week the principals with the
 * most unused permissions are posted to the chat channels (one replica posts, by lease).
 */

export interface LeastPrivilegeFeatureOptions {
  now?: () => Date;
}

/** Records one batch and refreshes the touched principals' recommendations that could have changed; returns how many were recomputed. */
export async function observeEvents(
  ctx: Pick<FeatureContext, "store">,
  events: readonly IamEvent[],
  settings: LeastPrivilegeSettings,
  now: Date,
  refresher: RecommendationRefresher = new RecommendationRefresher(settings),
): Promise<number> {
  const docs = await recordUsage(ctx.store, events, settings, now);
  // A recommendation takes about a millisecond: a batch touching a hundred principals would
  // otherwise hold every webhook for a hundred.
  const slice = new TimeSlice();
  let refreshed = 0;
  for (const doc of docs) {
    if (await refresher.refresh(ctx.store, doc, now)) refreshed++;
    await slice.pause();
  }
  return refreshed;
}

/** Posts the weekly report once per ISO week (first replica to take the lease). */
export async function postWeeklyReport(
  ctx: Pick<FeatureContext, "store" | "channels" | "logger">,
  settings: LeastPrivilegeSettings,
  now: Date,
): Promise<boolean> {
  const monday = new Date(now.getTime() - ((now.getUTCDay() + 6) % 7) * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const lease = { by: `${hostname()}:${process.pid}`, at: now.toISOString() };
  if (!(await ctx.store.create("leases", `least-privilege:${monday}`, lease))) return false;
  const report = weeklyExcessReport(await listUsage(ctx.store), undefined, settings, now);
  const view = leastPrivilegeReportView(report, monday);
  const delivered = await postView(ctx.channels, view, (ch, err) =>
    ctx.logger.error({ err, channel: ch.name }, "least-privilege report: could not post"),
  );
  // Posted nowhere: give the week back, so the next run (or another replica) tries again.
  if (delivered === 0 && ctx.channels.length > 0) {
    await ctx.store.delete("leases", `least-privilege:${monday}`);
    return false;
  }
  return true;
}

export function leastPrivilegeFeature(opts: LeastPrivilegeFeatureOptions = {}): ServerFeature {
  return {
    name: "leastPrivilege",
    install(ctx: FeatureContext) {
      const settings = leastPrivilegeSettings(ctx.config);
      const now = opts.now ?? (() => new Date());
      const refresher = new RecommendationRefresher(settings);
      ctx.onEvents(async (events) => {
        try {
          await observeEvents(ctx, events, settings, now(), refresher);
        } catch (err) {
          // Usage is advisory: a failed write costs a recommendation some evidence, never an event.
          ctx.logger.warn({ err }, "least privilege: could not record permission use");
        }
      });
      const spec = ctx.config.LEAST_PRIVILEGE_REPORT_CRON.trim();
      let task: ScheduledTask | undefined;
      if (spec) {
        ctx.onStart(async () => {
          task = cron.schedule(
            spec,
            async () => {
              try {
                await postWeeklyReport(ctx, settings, now());
              } catch (err) {
                ctx.logger.error({ err }, "least-privilege report failed");
              }
            },
            { timezone: ctx.config.DIGEST_TIMEZONE, name: "least-privilege-report", noOverlap: true },
          );
        });
        ctx.onStop(async () => {
          await task?.stop();
        });
      }
      ctx.announce(
        `least privilege: recording permission use over ${settings.windowDays} days, recommending after ${settings.minHistoryDays} days of history${spec ? `, weekly report "${spec}"` : ", weekly report off"}`,
      );
    },
  };
}
