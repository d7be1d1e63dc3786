import type { BotDeps, StatusProvider } from "./botDeps";
import type { FeatureContext } from "./serverFeature";
import type { IntegrationStatus } from "./views/statusView";

/** Every feature's status facts as one provider (/immune status lists them all). */
export function combinedStatus(providers: StatusProvider[]): StatusProvider {
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

/**
 * Bot dependencies read from the context at use time: later features may replace the actions
 * and add status providers. The link key is taken only when a chat feature asks for it.
 */
export function featureBotDeps(ctx: FeatureContext): BotDeps {
  return {
    store: ctx.store,
    get actions() {
      return ctx.actions;
    },
    config: ctx.config,
    status: combinedStatus(ctx.status),
    get publicUrl() {
      return ctx.publicUrl();
    },
    get linkSecret() {
      return ctx.linkSecret();
    },
    log: ctx.logger,
  };
}

/** Slack or Teams is installed (the console channel does not count). */
export function hasChatChannel(ctx: FeatureContext): boolean {
  return ctx.channels.some((c) => c.name !== "console");
}
