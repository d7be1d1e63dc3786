import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from "botbuilder";
import express from "express";
import type { Incident } from "../../detection/model";
import { scrubSecrets } from "../logger";
import type { FeatureContext, ServerFeature } from "../serverFeature";
import { signIncidentLink } from "../web/signedLink";
import { webhookSecurity } from "../webhookSecurity";
import { TeamsBot } from "./teamsBot";
import { TeamsChannel } from "./teamsChannel";
import { TeamsConversations } from "./teamsConversations";

export const TEAMS_ROUTE = "/api/messages";

export interface TeamsMount {
  adapter: CloudAdapter;
  bot: TeamsBot;
  channel: TeamsChannel;
  conversations: TeamsConversations;
  /** false only in the explicit local mode (Bot Framework Emulator, no TEAMS_APP_ID). */
  authenticated: boolean;
}

/**
 * Mounts the Teams bot on POST /api/messages: botbuilder's CloudAdapter verifies the Bot
 * Framework JWT on every activity (ConfigurationBotFrameworkAuthentication, from TEAMS_APP_*),
 * and answers 401 before the bot sees anything when it is missing or wrong. Without
 * TEAMS_APP_ID the bot runs unauthenticated only when LOCAL_UNAUTHENTICATED is set on a
 * loopback address (the Emulator); otherwise it is off.
 */
export function mountTeams(ctx: FeatureContext): TeamsMount | undefined {
  const cfg = ctx.config;
  const local = !cfg.TEAMS_APP_ID && cfg.LOCAL_UNAUTHENTICATED && webhookSecurity(cfg).allowLocal;
  if (!cfg.TEAMS_APP_ID && !local) return undefined;

  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: cfg.TEAMS_APP_ID ?? "",
    MicrosoftAppPassword: cfg.TEAMS_APP_PASSWORD ?? "",
    // Local mode has no app registration: MultiTenant is the type botbuilder accepts without one.
    MicrosoftAppType: local ? "MultiTenant" : cfg.TEAMS_APP_TYPE,
    MicrosoftAppTenantId: cfg.TEAMS_APP_TENANT_ID ?? "",
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, err) => {
    ctx.logger.error({ error: scrubSecrets(err.message) }, "teams turn failed");
    if (context.activity.type === "message") {
      await context
        .sendActivity("Sorry, something went wrong. The error is in the bot's log.")
        .catch(() => {});
    }
  };

  const conversations = new TeamsConversations(ctx.store);
  // Signed with the same key the incident page checks (ctx.linkSecret, shared with Slack).
  const detailsUrl = (incident: Incident) =>
    signIncidentLink(
      ctx.publicUrl(),
      incident.id,
      ctx.linkSecret(),
      new Date(Date.now() + cfg.LINK_TTL_HOURS * 3600_000),
    );
  const channel = new TeamsChannel(adapter, {
    appId: cfg.TEAMS_APP_ID ?? "",
    store: ctx.store,
    conversations,
    targets: cfg.TEAMS_CHANNELS,
    approvers: cfg.TEAMS_APPROVERS,
    detailsUrl,
    log: ctx.logger,
  });
  const bot = new TeamsBot({
    store: ctx.store,
    actions: () => ctx.actions,
    config: cfg,
    status: mergedStatus(ctx),
    conversations,
    approvers: cfg.TEAMS_APPROVERS,
    channel,
    detailsUrl,
    log: ctx.logger,
  });

  const authenticated = !local;
  ctx.app.post(
    TEAMS_ROUTE,
    (req, res, next) => {
      // No token, no parsing: refuse before reading the body.
      if (authenticated && !req.get("authorization")) {
        res.status(401).json({ error: "missing Bot Framework token" });
        return;
      }
      next();
    },
    express.json({ limit: "1mb" }),
    async (req, res) => {
      await adapter.process(req, res, (context) => bot.run(context));
    },
  );
  return { adapter, bot, channel, conversations, authenticated };
}

/** Status facts from every feature, for `status` typed in Teams. */
function mergedStatus(ctx: FeatureContext) {
  return {
    integrations: async () => (await Promise.all(ctx.status.map((s) => s.integrations()))).flat(),
    modelTrainedAt: async () => {
      for (const s of ctx.status) {
        const at = await s.modelTrainedAt?.();
        if (at) return at;
      }
      return undefined;
    },
  };
}

export const teamsFeature: ServerFeature = {
  name: "teams",
  install(ctx) {
    const mount = mountTeams(ctx);
    if (!mount) {
      ctx.announce("teams: off (set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_APP_TENANT_ID to turn it on)");
      return;
    }
    ctx.channels.push(mount.channel);
    ctx.announce(
      mount.authenticated
        ? `teams: Bot Framework activities on POST ${TEAMS_ROUTE} (app ${ctx.config.TEAMS_APP_ID}, ${ctx.config.TEAMS_APP_TYPE})`
        : `teams: UNAUTHENTICATED local mode on POST ${TEAMS_ROUTE} (Bot Framework Emulator only; set TEAMS_APP_ID before exposing it)`,
    );
    if (!mount.authenticated)
      ctx.warn("TEAMS: /api/messages accepts unauthenticated activities (local mode)");
  },
};
