import type express from "express";
import type { Store } from "../integrations/store/store";
import { extractAwsRecords } from "./envelopes";
import type { IntakeMetrics } from "./intake";
import { intakeRoute } from "./intake";
import { localOnly } from "./localAccess";
import { verifyEventBridge } from "./webhookAuth";

export interface AwsEventsOptions {
  store: Store;
  bodyLimit: string;
  apiKey?: string;
  apiKeyHeader: string;
  basicUser?: string;
  basicPassword?: string;
  allowLocal: boolean;
  onAccepted?(ids: string[]): void;
  metrics?: IntakeMetrics;
}

/** POST /events/aws — EventBridge events carrying CloudTrail records, and CloudTrail log files. */
export function awsEventsRoute(app: express.Express, opts: AwsEventsOptions): void {
  const configured = Boolean(opts.apiKey || (opts.basicUser && opts.basicPassword));
  app.post(
    "/events/aws",
    ...intakeRoute({
      source: "aws",
      store: opts.store,
      bodyLimit: opts.bodyLimit,
      onAccepted: opts.onAccepted,
      metrics: opts.metrics,
      authenticate: (req) => {
        if (configured) return verifyEventBridge(req.headers, opts);
        if (opts.allowLocal) return localOnly(req, "AWS");
        return {
          ok: false,
          status: 401,
          problem: "AWS webhook authentication is not configured (EVENTBRIDGE_API_KEY)",
        };
      },
      extract: (body) => extractAwsRecords(body),
    }),
  );
}
