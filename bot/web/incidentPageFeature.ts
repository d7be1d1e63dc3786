import { featureBotDeps, hasChatChannel } from "../featureBotDeps";
import type { ServerFeature } from "../serverFeature";
import { mountIncidentPage } from "./incidentPage";

/**
 * The phone-sized incident page behind every card's Details button (Slack and Teams), signed
 * with the server's one link key. Installed after the chat features; without one there are no
 * Details buttons, so no page.
 */
export function incidentPageFeature(): ServerFeature {
  return {
    name: "incidentPage",
    install(ctx) {
      if (!hasChatChannel(ctx)) return;
      // Resolve the key now, so a missing LINK_SIGNING_SECRET is warned about at start-up.
      ctx.linkSecret();
      mountIncidentPage(ctx.app, featureBotDeps(ctx));
    },
  };
}
