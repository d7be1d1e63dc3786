import { App, ExpressReceiver, LogLevel } from "@slack/bolt";
import type { RetryOptions } from "@slack/web-api";
import type express from "express";
import type { BotDeps } from "../botDeps";
import { ApproverDirectory } from "./approvers";
import { SlackChannel } from "./slackChannel";
import { registerSlackHandlers } from "./slackInteractions";

export interface SlackMountOptions {
  /** WebClient retry policy (429s wait Retry-After, then retry under this policy). */
  retryConfig?: RetryOptions;
  serverRetry?: { attempts: number; baseMs: number };
  progressAfterMs?: number;
  approverCacheMs?: number;
}

export interface SlackMount {
  bolt: App;
  channel: SlackChannel;
  approvers: ApproverDirectory;
  /** Socket Mode: opens the WebSocket. HTTP mode: nothing to do (express serves /slack/events). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Slack's replay window: a request whose timestamp is more than 5 minutes off is refused. */
export const SLACK_REPLAY_WINDOW_S = 300;

/**
 * Bolt only refuses timestamps older than 5 minutes; this also refuses ones from the future,
 * so a captured request cannot be replayed later by forging a future timestamp window.
 */
function replayWindow(now: () => Date): express.RequestHandler {
  return (req, res, next) => {
    const ts = Number(req.get("x-slack-request-timestamp"));
    if (!Number.isFinite(ts) || Math.abs(now().getTime() / 1000 - ts) > SLACK_REPLAY_WINDOW_S) {
      res.status(401).send();
      return;
    }
    next();
  };
}

/**
 * Mounts the Slack app on the project's express server: a Bolt ExpressReceiver verifies each
 * request's signature with SLACK_SIGNING_SECRET and serves Bolt's default /slack/events
 * (slash commands, button presses, modal submissions all arrive there). With
 * SLACK_SOCKET_MODE the same handlers run over Socket Mode and nothing is mounted.
 * Mount it before any body parser: the signature covers the raw body.
 */
export function mountSlack(app: express.Express, deps: BotDeps, opts: SlackMountOptions = {}): SlackMount {
  const cfg = deps.config;
  if (!cfg.SLACK_BOT_TOKEN) throw new Error("mountSlack: SLACK_BOT_TOKEN is not set");
  if (!cfg.SLACK_INCIDENT_CHANNEL) throw new Error("mountSlack: SLACK_INCIDENT_CHANNEL is not set");
  const apiUrl = cfg.SLACK_API_URL ? cfg.SLACK_API_URL.replace(/\/?$/, "/") : undefined;
  const clientOptions = {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: opts.retryConfig ?? { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 30_000 },
    rejectRateLimitedCalls: false,
  };
  const logLevel = LogLevel.ERROR;

  let bolt: App;
  if (cfg.SLACK_SOCKET_MODE) {
    if (!cfg.SLACK_APP_TOKEN) throw new Error("mountSlack: SLACK_SOCKET_MODE needs SLACK_APP_TOKEN");
    bolt = new App({
      token: cfg.SLACK_BOT_TOKEN,
      appToken: cfg.SLACK_APP_TOKEN,
      socketMode: true,
      clientOptions,
      logLevel,
    });
  } else {
    if (!cfg.SLACK_SIGNING_SECRET) throw new Error("mountSlack: SLACK_SIGNING_SECRET is not set");
    const receiver = new ExpressReceiver({
      signingSecret: cfg.SLACK_SIGNING_SECRET,
      // Ack first (HTTP 200 within Slack's 3 s), work after.
      processBeforeResponse: false,
      logLevel,
    });
    app.use("/slack/events", replayWindow(deps.now ?? (() => new Date())));
    app.use(receiver.router);
    bolt = new App({ token: cfg.SLACK_BOT_TOKEN, receiver, clientOptions, logLevel });
  }

  const channel = new SlackChannel(bolt.client, {
    store: deps.store,
    channel: cfg.SLACK_INCIDENT_CHANNEL,
    // Read at render time: the bound port is known only after listen().
    publicUrl: () => deps.publicUrl,
    linkSecret: deps.linkSecret,
    linkTtlHours: cfg.LINK_TTL_HOURS,
    now: deps.now,
    log: deps.log,
    serverRetry: opts.serverRetry,
  });
  const approvers = new ApproverDirectory(
    bolt.client,
    cfg.SLACK_APPROVERS,
    opts.approverCacheMs ?? 60_000,
    Date.now,
    (err, group) => deps.log?.warn({ err, group }, "could not list approver group members"),
  );
  registerSlackHandlers(bolt, { deps, channel, approvers, progressAfterMs: opts.progressAfterMs ?? 1500 });
  bolt.error(async (err) => {
    deps.log?.error({ err }, "slack app error");
  });

  return {
    bolt,
    channel,
    approvers,
    start: async () => {
      if (cfg.SLACK_SOCKET_MODE) await bolt.start();
    },
    stop: async () => {
      if (cfg.SLACK_SOCKET_MODE) await bolt.stop();
    },
  };
}
