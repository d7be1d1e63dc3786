import type { Config } from "./config";

/**
 * Decides how the webhooks authenticate and which address the server binds. With no webhook
 * secret at all the server binds loopback and accepts unauthenticated local requests (the
 * zero-configuration demo), warning loudly; binding any other address requires the secrets.
 */
export interface WebhookSecurity {
  host: string;
  allowLocal: boolean;
  warnings: string[];
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

export function hasWebhookSecrets(cfg: Config): boolean {
  return Boolean(
    cfg.PUBSUB_AUDIENCE ||
      cfg.EVENTBRIDGE_API_KEY ||
      (cfg.EVENTBRIDGE_BASIC_USER && cfg.EVENTBRIDGE_BASIC_PASSWORD),
  );
}

export function webhookSecurity(cfg: Config): WebhookSecurity {
  const secrets = hasWebhookSecrets(cfg);
  const host = cfg.HOST ?? (secrets ? "0.0.0.0" : "127.0.0.1");
  const loopback = LOOPBACK.has(host);
  const warnings: string[] = [];
  if (!loopback && !secrets) {
    throw new Error(
      `HOST: binding ${host} requires webhook secrets (PUBSUB_AUDIENCE + PUBSUB_SERVICE_ACCOUNT and/or EVENTBRIDGE_API_KEY); without them only loopback is allowed`,
    );
  }
  if (!loopback && cfg.LOCAL_UNAUTHENTICATED) {
    throw new Error(`LOCAL_UNAUTHENTICATED: only allowed on a loopback HOST, not ${host}`);
  }
  const allowLocal = loopback && (cfg.LOCAL_UNAUTHENTICATED || !secrets);
  if (allowLocal) {
    const open = [
      !cfg.PUBSUB_AUDIENCE ? "/events/gcp" : undefined,
      !(cfg.EVENTBRIDGE_API_KEY || cfg.EVENTBRIDGE_BASIC_USER) ? "/events/aws" : undefined,
    ].filter(Boolean);
    if (open.length) {
      warnings.push(
        `UNAUTHENTICATED LOCAL MODE: ${open.join(" and ")} accept unauthenticated requests from this machine only. Set the webhook secrets before exposing the server.`,
      );
    }
  }
  return { host, allowLocal, warnings };
}
