import type express from "express";
import type { IamEvent, Incident } from "../detection/model";
import type { AnomalyScorer, EventAnalysis } from "../detection/pipeline";
import type { Store } from "../integrations/store/store";
import type { StatusProvider } from "./botDeps";
import type { ChatChannel } from "./chatChannel";
import type { Config } from "./config";
import type { IncidentActions } from "./incidentActions";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

/**
 * What a feature (Slack, Teams, remediation, anomaly, lifecycle, least privilege…) gets from the
 * composition root. A feature mounts its routes, adds chat channels, replaces the incident
 * actions, and subscribes to the processor; the server itself stays ignorant of each one.
 */
export interface FeatureContext {
  readonly app: express.Express;
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Base URL the server is reached at (PUBLIC_URL, else the bound address once listening). */
  publicUrl(): string;
  /**
   * Key for the signed incident-page links: LINK_SIGNING_SECRET, else a random key made once
   * per process (with a warning). One key for the page and every chat feature's Details button.
   */
  linkSecret(): string;
  /** Chat channels cards go to; when none is added the console channel is used. */
  readonly channels: ChatChannel[];
  /** What responders' buttons and commands do; remediation replaces the dry-run default. */
  actions: IncidentActions;
  /** The anomaly scorer the pipeline consults; undefined scores 0. */
  anomaly?: AnomalyScorer;
  /** Whether an IGA (SailPoint) feed is connected: unknown identities then raise risk. */
  igaConnected?: () => boolean;
  /** Facts for /immune status that only a feature knows (integrations, model age). */
  status: StatusProvider[];
  /**
   * Runs before an incident's cards are posted or updated: a feature that adds to the incident
   * (remediation's plan) stores it and returns the stored version, so the first card already
   * shows it instead of being edited a moment later (one chat call per new incident, not two).
   * An error is logged and the cards go out without it.
   */
  beforeCards(hook: (incident: Incident) => Promise<Incident | null | undefined>): void;
  /** `replayed`: the inbox record is processed again after an earlier attempt died half way. */
  onIncident(hook: (incident: Incident, created: boolean, replayed?: boolean) => Promise<void>): void;
  onEvents(hook: (events: IamEvent[], analyses: EventAnalysis[]) => Promise<void>): void;
  /** Wakes the inbox worker (for features that write to the inbox themselves). */
  wake(): void;
  /** An identity was written (lifecycle): the worker reads it before scoring its next events. */
  identitiesChanged(): void;
  /** Runs after the server listens (Socket Mode connect, cron schedules). */
  onStart(task: () => Promise<void>): void;
  /** Runs on graceful shutdown, before the store closes. */
  onStop(task: () => Promise<void>): void;
  /** A line the start-up banner prints (what the feature is doing, or why it is off). */
  announce(line: string): void;
  warn(line: string): void;
}

export interface ServerFeature {
  readonly name: string;
  /** Installs routes, channels and hooks. Features are installed in list order. */
  install(ctx: FeatureContext): void | Promise<void>;
}
