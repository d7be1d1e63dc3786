import type express from "express";
import type { Store } from "../integrations/store/store";
import { extractGcpRecords, isBinaryCloudEvent } from "./envelopes";
import type { IntakeMetrics } from "./intake";
import { intakeRoute } from "./intake";
import { localOnly } from "./localAccess";
import { PubSubOidcVerifier } from "./webhookAuth";

export interface GcpEventsOptions {
  store: Store;
  bodyLimit: string;
  /** Both set: OIDC required. Neither set and `allowLocal`: loopback callers only. */
  audience?: string;
  serviceAccount?: string;
  certsUrl?: string;
  allowLocal: boolean;
  onAccepted?(ids: string[]): void;
  metrics?: IntakeMetrics;
}

/** POST /events/gcp — Pub/Sub push envelopes and Eventarc CloudEvents carrying Cloud Audit LogEntries. */
export function gcpEventsRoute(app: express.Express, opts: GcpEventsOptions): void {
  const verifier =
    opts.audience && opts.serviceAccount
      ? new PubSubOidcVerifier(opts.audience, opts.serviceAccount, opts.certsUrl)
      : undefined;
  app.post(
    "/events/gcp",
    ...intakeRoute({
      source: "gcp",
      store: opts.store,
      bodyLimit: opts.bodyLimit,
      onAccepted: opts.onAccepted,
      metrics: opts.metrics,
      authenticate: (req) => {
        if (verifier) return verifier.verify(req.headers.authorization);
        if (opts.allowLocal) return localOnly(req, "GCP");
        return {
          ok: false,
          status: 401,
          problem: "GCP webhook authentication is not configured (PUBSUB_AUDIENCE)",
        };
      },
      extract: (body, req) => extractGcpRecords(body, isBinaryCloudEvent(req.headers)),
    }),
  );
}
