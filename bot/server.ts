import type { Server } from "node:http";
import express from "express";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { allDetectors } from "../detection/detectors";
import type { IamEvent, Incident } from "../detection/model";
import type { EventAnalysis } from "../detection/pipeline";
import { parseRiskWeights, riskBand } from "../detection/risk";
import { awsEventsRoute } from "../handlers/awsEvents";
import { gcpEventsRoute } from "../handlers/gcpEvents";
import { intakeErrors } from "../handlers/intake";
import { createStore } from "../integrations/store/createStore";
import type { Store } from "../integrations/store/store";
import { BasicIncidentActions } from "./basicIncidentActions";
import type { StatusProvider } from "./botDeps";
import type { ChatChannel } from "./chatChannel";
import type { Config } from "./config";
import { secretKeys } from "./config";
import { ConsoleChannel } from "./console/consoleChannel";
import { defaultFeatures } from "./features";
import type { IncidentActions } from "./incidentActions";
import type { Logger } from "./logger";
import { createLogger, registerSecrets, scrubSecrets } from "./logger";
import { Metrics } from "./metrics";
import { InboxProcessor } from "./processor";
import { requestLogging } from "./requestLogging";
import type { FeatureContext, ServerFeature } from "./serverFeature";
import { resolveLinkSecret } from "./web/signedLink";
import { webhookSecurity } from "./webhookSecurity";

/**
 * The composition root: one express server carrying the webhooks, chat endpoints and health
 * routes, the inbox worker, and the chat channels, wired from the configuration.
 */
export interface ImmuneServer {
  app: express.Express;
  config: Config;
  store: Store;
  processor: InboxProcessor;
  metrics: Metrics;
  channels: ChatChannel[];
  actions: IncidentActions;
  status: StatusProvider[];
  logger: Logger;
  warnings: string[];
  /** What each installed feature is doing, for the start-up banner. */
  announcements: string[];
  /** Starts listening and the worker; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Graceful: stop accepting, finish requests and the batch in flight, close the store. */
  close(): Promise<void>;
  /** This process's metrics as prom-client JSON (what a web process merges into /metrics). */
  metricsSnapshot(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

export interface ServerOverrides {
  store?: Store;
  logger?: Logger;
  channels?: ChatChannel[];
  /** Start the inbox worker on listen() (tests of intake alone turn it off). */
  startWorker?: boolean;
  /**
   * What this process does when the work is split over processes (WEB_PROCESSES,
   * bot/webProcesses.ts): "all" (the default) listens and works the inbox; "web" only answers
   * requests (no inbox worker, no schedules); "inbox" works the inbox and runs the schedules
   * without listening.
   */
  role?: "all" | "web" | "inbox";
  /** Web role: tells the inbox process that events were accepted, instead of a local worker. */
  onAccepted?: () => void;
  /** Web role: tells the inbox process that an identity was written. */
  onIdentitiesChanged?: () => void;
  /** Web role: the inbox process's metrics, merged into this process's /metrics. */
  peerMetrics?: () => Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  /** Inbox role: where the web processes answer (for links), when PUBLIC_URL is not set. */
  boundUrl?: string;
  /** Features to install instead of defaultFeatures() (tests pick the ones they exercise). */
  features?: ServerFeature[];
  /** Where the console channel prints (tests capture it). */
  consoleWrite?: (text: string) => void;
}

export async function createImmuneServer(
  config: Config,
  overrides: ServerOverrides = {},
): Promise<ImmuneServer> {
  const security = webhookSecurity(config);
  registerSecrets(secretKeys().map((k) => (config as Record<string, unknown>)[k] as string | undefined));
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const store = overrides.store ?? (await createStore(config));
  const metrics = new Metrics();
  const channels: ChatChannel[] = overrides.channels ? [...overrides.channels] : [];
  const incidentHooks: Array<(incident: Incident, created: boolean, replayed?: boolean) => Promise<void>> =
    [];
  const cardPreparers: Array<(incident: Incident) => Promise<Incident | null | undefined>> = [];
  const eventHooks: Array<(events: IamEvent[], analyses: EventAnalysis[]) => Promise<void>> = [];
  const startTasks: Array<() => Promise<void>> = [];
  const stopTasks: Array<() => Promise<void>> = [];
  const announcements: string[] = [];
  const warnings = [...security.warnings];
  const role = overrides.role ?? "all";
  let boundUrl = config.PUBLIC_URL ?? overrides.boundUrl ?? `http://127.0.0.1:${config.PORT}`;
  let processor: InboxProcessor | undefined;
  // A web process hands accepted events to the inbox process; otherwise the local worker wakes.
  const wake = overrides.onAccepted ?? (() => processor?.wake());

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  // Webhook answers and chat endpoints are never revalidated: no hash of every body sent.
  app.set("etag", false);
  // While draining, every response closes its connection, so keep-alive clients move to
  // another replica instead of holding this one open.
  let draining = false;
  app.use(requestLogging(logger));
  app.use((_req, res, next) => {
    if (draining) res.setHeader("Connection", "close");
    next();
  });

  // The webhooks first: the busiest routes match before any feature's router is walked.
  gcpEventsRoute(app, {
    store,
    bodyLimit: config.BODY_LIMIT,
    audience: config.PUBSUB_AUDIENCE,
    serviceAccount: config.PUBSUB_SERVICE_ACCOUNT,
    certsUrl: config.GOOGLE_OIDC_CERTS_URL,
    allowLocal: security.allowLocal,
    onAccepted: wake,
    metrics,
  });
  awsEventsRoute(app, {
    store,
    bodyLimit: config.BODY_LIMIT,
    apiKey: config.EVENTBRIDGE_API_KEY,
    apiKeyHeader: config.EVENTBRIDGE_API_KEY_HEADER,
    basicUser: config.EVENTBRIDGE_BASIC_USER,
    basicPassword: config.EVENTBRIDGE_BASIC_PASSWORD,
    allowLocal: security.allowLocal,
    onAccepted: wake,
    metrics,
  });

  let linkSecret: string | undefined;
  const ctx: FeatureContext = {
    app,
    config,
    store,
    logger,
    metrics,
    publicUrl: () => config.PUBLIC_URL ?? boundUrl,
    linkSecret: () => {
      linkSecret ??= resolveLinkSecret(config.LINK_SIGNING_SECRET, (line) => warnings.push(line));
      return linkSecret;
    },
    channels,
    actions: new BasicIncidentActions(store),
    status: [],
    beforeCards: (hook) => cardPreparers.push(hook),
    onIncident: (hook) => incidentHooks.push(hook),
    onEvents: (hook) => eventHooks.push(hook),
    wake,
    identitiesChanged: overrides.onIdentitiesChanged ?? (() => processor?.invalidateIdentities()),
    onStart: (task) => startTasks.push(task),
    onStop: (task) => stopTasks.push(task),
    announce: (line) => announcements.push(line),
    warn: (line) => warnings.push(line),
  };
  for (const feature of overrides.features ?? defaultFeatures()) {
    await feature.install(ctx);
  }
  if (channels.length === 0) {
    channels.push(new ConsoleChannel(overrides.consoleWrite));
    announcements.push("console: no Slack or Teams credentials, so incident cards print here");
  }

  processor = new InboxProcessor({
    store,
    detectors: allDetectors,
    anomaly: ctx.anomaly,
    igaConnected: ctx.igaConnected,
    batchSize: config.WORKER_BATCH,
    leaseMs: config.WORKER_LEASE_MS,
    maxAttempts: config.WORKER_MAX_ATTEMPTS,
    windowMs: config.INCIDENT_WINDOW_MINUTES * 60_000,
    weights: parseRiskWeights(config.RISK_WEIGHTS),
    productionPatterns: config.PROD_PATTERNS,
    allowedDomains: config.ALLOWED_DOMAINS,
    log: (level, msg, extra) => logger[level](extra ?? {}, msg),
    hooks: {
      onIncident: async (given, created, replayed) => {
        if (created) metrics.incidents.inc({ band: riskBand(given.risk) });
        let incident = given;
        for (const prepare of cardPreparers) {
          try {
            incident = (await prepare(incident)) ?? incident;
          } catch (err) {
            logger.warn(
              { incident: incident.id, error: scrubSecrets((err as Error).message) },
              "incident not prepared before its card",
            );
          }
        }
        const unposted: string[] = [];
        for (const ch of channels) {
          try {
            await ch.publishIncident(incident, { recover: replayed });
          } catch (err) {
            metrics.chatErrors.inc({ platform: ch.name });
            unposted.push(ch.name);
            logger.warn(
              { incident: incident.id, channel: ch.name, error: scrubSecrets((err as Error).message) },
              "card not posted",
            );
          }
        }
        for (const hook of incidentHooks) {
          try {
            await hook(incident, created, replayed);
          } catch (err) {
            logger.warn(
              { incident: incident.id, error: scrubSecrets((err as Error).message) },
              "incident hook failed",
            );
          }
        }
        // A card that could not be posted or updated (chat down beyond its retries) fails the
        // record, so the inbox retries it with backoff (the replay posts the card), and after
        // the last attempt it is a dead letter in /immune status instead of a silently lost card.
        if (unposted.length) throw new Error(`card not posted to ${unposted.join(", ")}`);
      },
      onEvents: eventHooks.length
        ? async (events, analyses) => {
            for (const hook of eventHooks) await hook(events, analyses);
          }
        : undefined,
    },
  });
  const worker = processor;
  const updateLag = () => metrics.pipelineLag.set(worker.stats.lastLagMs / 1000);
  const metricsSnapshot = async () => {
    updateLag();
    return metrics.registry.getMetricsAsJSON();
  };
  /** This process's metrics, and the inbox process's when this one only answers requests. */
  const metricsText = async () => {
    if (!overrides.peerMetrics) {
      updateLag();
      return metrics.registry.metrics();
    }
    const own = await metrics.registry.getMetricsAsJSON();
    // Counters add up over the processes; the inbox process alone knows incidents and lag.
    let peer: MetricObjectWithValues<MetricValue<string>>[] = [];
    try {
      peer = await overrides.peerMetrics();
    } catch (err) {
      logger.warn({ error: scrubSecrets((err as Error).message) }, "metrics: inbox process did not answer");
    }
    return AggregatorRegistry.aggregate([own, peer]).metrics();
  };

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await store.ping();
      const counts = await store.inboxCounts();
      metrics.backlog.set({ status: "pending" }, counts.pending);
      metrics.backlog.set({ status: "dead" }, counts.dead);
      const ready = counts.pending <= config.READY_MAX_BACKLOG;
      res.status(ready ? 200 : 503).json({
        status: ready ? "ready" : "backlogged",
        store: store.kind,
        backlog: counts.pending,
        deadLetters: counts.dead,
        maxBacklog: config.READY_MAX_BACKLOG,
      });
    } catch (err) {
      res.status(503).json({ status: "store unreachable", error: scrubSecrets((err as Error).message) });
    }
  });
  app.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metricsText());
  });

  app.use(intakeErrors);
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    logger.error({ error: scrubSecrets((err as Error).message ?? String(err)) }, "request failed");
    if (!res.headersSent) res.status(500).json({ error: "internal error" });
  });

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    config,
    store,
    processor: worker,
    metrics,
    channels,
    get actions() {
      return ctx.actions;
    },
    status: ctx.status,
    logger,
    warnings,
    announcements,
    metricsSnapshot,
    async listen() {
      if (role === "inbox") {
        await worker.warmUp();
        if (overrides.startWorker !== false) worker.start();
        for (const task of startTasks) await task();
        return { host: security.host, port: config.PORT, url: boundUrl };
      }
      // Only the process that works the inbox needs the detection state.
      if (role === "all") await worker.warmUp();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.PORT, security.host, () => resolve(s));
        s.once("error", reject);
      });
      server.keepAliveTimeout = 65_000;
      if (role === "all" && overrides.startWorker !== false) worker.start();
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : config.PORT;
      const shownHost = security.host.includes(":") ? `[${security.host}]` : security.host;
      boundUrl = `http://${shownHost}:${port}`;
      // Schedules and chat connections run once, in the process that works the inbox.
      if (role === "all") for (const task of startTasks) await task();
      return { host: security.host, port, url: boundUrl };
    },
    close() {
      closing ??= (async () => {
        if (server) {
          const s = server;
          draining = true;
          await new Promise<void>((resolve) => {
            // Requests already in flight finish (and commit) first; a connection that is
            // still busy after the grace period is cut.
            const force = setTimeout(() => s.closeAllConnections(), SHUTDOWN_GRACE_MS);
            s.close(() => {
              clearTimeout(force);
              resolve();
            });
            s.closeIdleConnections();
          });
        }
        await worker.stop();
        for (const task of stopTasks) {
          try {
            await task();
          } catch (err) {
            logger.warn({ error: scrubSecrets((err as Error).message) }, "feature stop failed");
          }
        }
        await store.close();
        logger.flush?.();
      })();
      return closing;
    },
  };
}

/** How long shutdown waits for in-flight requests before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;
