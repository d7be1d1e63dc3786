import type { ScheduledTask } from "node-cron";
import type { BotDeps, StatusProvider } from "../botDeps";
import { scheduleDigest } from "../digest/scheduleDigest";
import { scrubSecrets } from "../logger";
import type { FeatureContext, ServerFeature } from "../serverFeature";
import type { IntegrationStatus } from "../views/statusView";
import { mountIncidentPage } from "../web/incidentPage";
import { resolveLinkSecret } from "../web/signedLink";
import { mountSlack, type SlackMountOptions } from "./mountSlack";
import { slackEnabled } from "./slackConfig";

/** Every feature's status facts as one provider (/immune status lists them all). */
function combinedStatus(providers: StatusProvider[]): StatusProvider {
  return {
    async integrations(): Promise<IntegrationStatus[]> {
      const lists = await Promise.all(providers.map((p) => p.integrations().catch(() => [])));
      return lists.flat();
    },
    async modelTrainedAt(): Promise<string | undefined> {
      for (const p of providers) {
        const at = await p.modelTrainedAt?.().catch(() => undefined);
        if (at) return at;
      }
      return undefined;
    },
  };
}

/** Bot dependencies read from the context at use time: later features may replace actions. */
function botDeps(ctx: FeatureContext, linkSecret: string): BotDeps {
  const status = combinedStatus(ctx.status);
  return {
    store: ctx.store,
    get actions() {
      return ctx.actions;
    },
    config: ctx.config,
    status,
    get publicUrl() {
      return ctx.publicUrl();
    },
    linkSecret,
    log: ctx.logger,
  };
}

/**
 * The Slack face: Bolt on the server's express app at /slack/events (or Socket Mode), the
 * SlackChannel for incident cards, the signed incident page behind Details, and the daily
 * digest (node-cron; a store lease keeps it to one replica). Off, with the reason announced,
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
      const linkSecret = resolveLinkSecret(cfg.LINK_SIGNING_SECRET, ctx.warn);
      const deps = botDeps(ctx, linkSecret);
      const mount = mountSlack(ctx.app, deps, opts);
      mountIncidentPage(ctx.app, deps);
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

      let digest: ScheduledTask | undefined;
      ctx.onStart(async () => {
        // Socket Mode connects in the background: Slack being unreachable must not keep the
        // webhooks (and so the events) from being accepted.
        mount.start().catch((err) => {
          ctx.logger.error(
            { error: scrubSecrets((err as Error).message ?? String(err)) },
            "slack: Socket Mode could not connect",
          );
        });
        // Every channel, including ones features added after this one (Teams).
        digest = scheduleDigest(deps, ctx.channels);
      });
      ctx.onStop(async () => {
        await digest?.stop();
        await mount.stop();
      });
      ctx.announce(
        `slack: cards to ${cfg.SLACK_INCIDENT_CHANNEL} via ${cfg.SLACK_SOCKET_MODE ? "Socket Mode" : "/slack/events"}; ` +
          `${cfg.SLACK_APPROVERS.length ? `${cfg.SLACK_APPROVERS.length} approver entr${cfg.SLACK_APPROVERS.length === 1 ? "y" : "ies"}` : "no approvers (nobody can approve)"}; ` +
          `digest at "${cfg.DIGEST_CRON}" ${cfg.DIGEST_TIMEZONE}`,
      );
    },
  };
}
