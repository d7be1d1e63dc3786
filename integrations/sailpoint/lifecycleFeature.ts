import type { FeatureContext, ServerFeature } from "../../bot/serverFeature";
import { webhookSecurity } from "../../bot/webhookSecurity";
import { authConfigured, sailpointRouter } from "../../handlers/sailpointEvents";
import type { AwsClientFactory } from "../../remediation/awsClients";
import { createAwsClientFactory } from "../../remediation/awsClients";
import { awsExecutors } from "../../remediation/awsExecutor";
import { notifyHandler } from "../../remediation/executor";
import { createGcpClients } from "../../remediation/gcpClients";
import { gcpExecutors } from "../../remediation/gcpExecutor";
import { policyFromConfig } from "../../remediation/policy";
import { IscClient } from "./iscClient";
import { importJml } from "./jmlProvision";
import { parsePositions, parseRoleAccess, parseUserMap } from "./lifecycleConfig";
import { LifecycleService } from "./lifecycleService";

/**
 * Identity lifecycle: mounts POST /events/sailpoint and POST /jml/csv, keeps Identity docs,
 * offboards leavers and flags movers' out-of-role access through the remediation runner.
 * Without a webhook credential (and outside local mode) it installs nothing and says why.
 */
export interface LifecycleFeature extends ServerFeature {
  /** The service once installed (tests wait on service.idle()). */
  service?: LifecycleService;
}

export function lifecycleFeature(opts: { aws?: AwsClientFactory; now?: () => Date } = {}): LifecycleFeature {
  const feature: LifecycleFeature = {
    name: "lifecycle",
    install(ctx: FeatureContext) {
      const cfg = ctx.config;
      const now = opts.now ?? (() => new Date());
      const auth = {
        hmacSecret: cfg.SAILPOINT_WEBHOOK_SECRET,
        bearerToken: cfg.SAILPOINT_WEBHOOK_TOKEN,
        basicUser: cfg.SAILPOINT_WEBHOOK_BASIC_USER,
        basicPassword: cfg.SAILPOINT_WEBHOOK_BASIC_PASSWORD,
        replayWindowSeconds: cfg.SAILPOINT_REPLAY_WINDOW_SECONDS,
        allowLocal: webhookSecurity(cfg).allowLocal,
      };
      if (!authConfigured(auth) && !auth.allowLocal) {
        ctx.announce(
          "lifecycle: off (set SAILPOINT_WEBHOOK_SECRET, SAILPOINT_WEBHOOK_TOKEN or SAILPOINT_WEBHOOK_BASIC_USER/PASSWORD)",
        );
        return;
      }
      let roleAccess: ReturnType<typeof parseRoleAccess>;
      try {
        roleAccess = parseRoleAccess(cfg.LIFECYCLE_ROLE_ACCESS);
      } catch (err) {
        ctx.warn(
          `LIFECYCLE_ROLE_ACCESS is not valid JSON role access (${(err as Error).message}); movers are not checked`,
        );
        roleAccess = new Map();
      }
      const gcp = createGcpClients({ rootUrl: cfg.GOOGLE_API_ROOT_URL });
      const aws =
        opts.aws ??
        createAwsClientFactory({
          assumeRoleArnTemplate: cfg.AWS_ASSUME_ROLE_ARN_TEMPLATE,
          region: cfg.AWS_REMEDIATION_REGION,
        });
      const isc =
        cfg.ISC_BASE_URL && cfg.ISC_CLIENT_ID && cfg.ISC_CLIENT_SECRET
          ? new IscClient({
              baseUrl: cfg.ISC_BASE_URL,
              clientId: cfg.ISC_CLIENT_ID,
              clientSecret: cfg.ISC_CLIENT_SECRET,
            })
          : undefined;
      const positions = parsePositions(cfg.JML_POSITIONS);
      const log = (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) =>
        ctx.logger[level](extra ?? {}, msg);
      const service = new LifecycleService({
        store: ctx.store,
        channels: ctx.channels,
        policy: policyFromConfig(cfg),
        executors: { ...gcpExecutors(gcp), ...awsExecutors(aws), notify: notifyHandler },
        discovery: {
          gcp,
          aws,
          gcpResources: cfg.LIFECYCLE_GCP_RESOURCES,
          awsAccounts: cfg.LIFECYCLE_AWS_ACCOUNTS,
          awsUserTag: cfg.LIFECYCLE_AWS_USER_TAG,
          userMap: parseUserMap(cfg.LIFECYCLE_AWS_USER_MAP),
        },
        roleAccess,
        onboardingDays: cfg.LIFECYCLE_ONBOARDING_DAYS,
        leaverRisk: cfg.LIFECYCLE_LEAVER_RISK,
        isc,
        now,
        log,
        identityChanged: () => ctx.identitiesChanged(),
      });
      feature.service = service;
      // An unknown identity only means something when a real IGA feed is configured: in the
      // unauthenticated local demo nothing is known to an IGA, so "auto" leaves risk alone.
      const igaConfigured = Boolean(
        cfg.ISC_BASE_URL ||
          cfg.SAILPOINT_WEBHOOK_SECRET ||
          cfg.SAILPOINT_WEBHOOK_TOKEN ||
          cfg.SAILPOINT_WEBHOOK_BASIC_PASSWORD,
      );
      const iga = cfg.IGA_CONNECTED === "auto" ? igaConfigured : cfg.IGA_CONNECTED === "true";
      ctx.igaConnected = () => iga;
      ctx.app.use(
        sailpointRouter({
          store: ctx.store,
          auth,
          leaverStates: cfg.LIFECYCLE_LEAVER_STATES.map((s) => s.toLowerCase()),
          bodyLimit: cfg.BODY_LIMIT,
          now,
          accepted: (id) => {
            service
              .enqueue(id)
              .catch((err) => log("error", "lifecycle processing failed", { error: String(err) }));
          },
          jml: positions.size
            ? (csv, dryRun, actor) =>
                importJml(
                  csv,
                  { aws, account: cfg.JML_AWS_ACCOUNT, positions, store: ctx.store, now, actor },
                  { dryRun: dryRun || cfg.JML_DRY_RUN },
                )
            : undefined,
          log,
        }),
      );
      ctx.onStart(() => service.drain());
      const how = authConfigured(auth) ? "authenticated" : "UNAUTHENTICATED local mode";
      ctx.announce(
        `lifecycle: POST /events/sailpoint (${how})${positions.size ? ", POST /jml/csv" : ""}${isc ? `, ISC ${cfg.ISC_BASE_URL}` : ""}`,
      );
    },
  };
  return feature;
}
