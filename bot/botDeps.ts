import type { Logger } from "pino";
import type { Store } from "../integrations/store/store";
import type { IncidentActions } from "./incidentActions";
import type { SlackConfig } from "./slack/slackConfig";
import type { IntegrationStatus } from "./views/statusView";

/** Facts /immune status cannot read from the store: which integrations are up, model age. */
export interface StatusProvider {
  integrations(): Promise<IntegrationStatus[]>;
  /** ISO time the anomaly model was last trained, if known. */
  modelTrainedAt?(): Promise<string | undefined>;
}

/**
 * What the chat face needs, and nothing more: data comes through the store, actions through
 * IncidentActions (the remediation engine, or BasicIncidentActions when none is configured).
 */
export interface BotDeps {
  store: Store;
  actions: IncidentActions;
  config: SlackConfig;
  status?: StatusProvider;
  /** Base URL the server is reached at (links on cards). */
  publicUrl: string;
  /** Key for the signed, expiring incident-page links. */
  linkSecret: string;
  log?: Pick<Logger, "info" | "warn" | "error">;
  /** Clock, for tests. */
  now?: () => Date;
}
