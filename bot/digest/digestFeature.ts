import type { ScheduledTask } from "node-cron";
import { featureBotDeps, hasChatChannel } from "../featureBotDeps";
import type { ServerFeature } from "../serverFeature";
import { scheduleDigest } from "./scheduleDigest";

/**
 * The daily digest (node-cron at DIGEST_CRON in DIGEST_TIMEZONE; a store lease keeps it to one
 * replica) to every chat channel, Slack and Teams alike. Installed after the chat features;
 * off, with the reason announced, when neither is configured.
 */
export function digestFeature(): ServerFeature {
  return {
    name: "digest",
    install(ctx) {
      if (!hasChatChannel(ctx)) {
        ctx.announce("digest: off (no Slack or Teams to post it to)");
        return;
      }
      const deps = featureBotDeps(ctx);
      let task: ScheduledTask | undefined;
      ctx.onStart(async () => {
        task = scheduleDigest(deps, ctx.channels);
      });
      ctx.onStop(async () => {
        await task?.stop();
      });
      const to = ctx.channels.filter((c) => c.name !== "console").map((c) => c.name);
      ctx.announce(
        `digest: daily at "${ctx.config.DIGEST_CRON}" ${ctx.config.DIGEST_TIMEZONE} to ${to.join(" and ")}`,
      );
    },
  };
}
