import { featureBotDeps } from "../featureBotDeps";
import { scrubSecrets } from "../logger";
import type { ServerFeature } from "../serverFeature";
import { mountSlack, type SlackMountOptions } from "./mountSlack";
import { slackEnabled } from "./slackConfig";

/**
 * The Slack face: Bolt on the server's express app at /slack/events (or Socket Mode) and the
 * SlackChannel for incident cards (the incident page and the daily digest are their own
 * features, shared with Teams). Off, with the reason announced,
 * until SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or Socket Mode's SLACK_APP_TOKEN) are set.
 */
export function slackFeature(opts: SlackMountOptions = {}): ServerFeature {
  return {
    name: "slack",
    install(ctx) {
      const cfg = ctx.config;
      if (!slackEnabled(cfg)) {
        const missing = [
          cfg.SLACK_BOT_TOKEN ? undefined : "SLACK_BOT_TOKEN",
          cfg.SLACK_SOCKET_MODE
            ? cfg.SLACK_APP_TOKEN
              ? undefined
              : "SLACK_APP_TOKEN"
            : cfg.SLACK_SIGNING_SECRET
              ? undefined
              : "SLACK_SIGNING_SECRET",
        ].filter(Boolean);
        ctx.announce(`slack: off (${missing.join(" and ")} not set)`);
        return;
      }
      const deps = featureBotDeps(ctx);
      const mount = mountSlack(ctx.app, deps, opts);
      ctx.channels.push(mount.channel);
      ctx.status.push({
        integrations: async () => [
          {
            name: "Slack",
            connected: true,
            detail: cfg.SLACK_SOCKET_MODE ? "Socket Mode" : "HTTP, /slack/events",
          },
        ],
      });

      ctx.onStart(async () => {
        // Socket Mode connects in the background: Slack being unreachable must not keep the
        // webhooks (and so the events) from being accepted.
        mount.start().catch((err) => {
          ctx.logger.error(
            { error: scrubSecrets((err as Error).message ?? String(err)) },
            "slack: Socket Mode could not connect",
          );
        });
      });
      ctx.onStop(async () => {
        await mount.stop();
      });
      ctx.announce(
        `slack: cards to ${cfg.SLACK_INCIDENT_CHANNEL} via ${cfg.SLACK_SOCKET_MODE ? "Socket Mode" : "/slack/events"}; ` +
          `${cfg.SLACK_APPROVERS.length ? `${cfg.SLACK_APPROVERS.length} approver entr${cfg.SLACK_APPROVERS.length === 1 ? "y" : "ies"}` : "no approvers (nobody can approve)"}`,
      );
    },
  };
}
