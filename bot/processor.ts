import { DetectionState } from "../detection/detectionState";
import type { Detector } from "../detection/detector";
import { incidentIdFor, mergeIntoIncident } from "../detection/incidents";
import type { IamEvent, Identity, Incident, Suppression } from "../detection/model";
import { normalizeRecord } from "../detection/normalize";
import type { AnomalyScorer, EventAnalysis } from "../detection/pipeline";
import { analyzeEvent } from "../detection/pipeline";
import type { RiskWeights } from "../detection/risk";
import type { InboxRecord, Store } from "../integrations/store/store";
import { mutate } from "../integrations/store/store";
import { TimeSlice } from "./timeSlice";

/**
 * The worker that drains the inbox: claim a batch (a lease, so a dead worker's records come
 * back), normalize, run the pure pipeline, fold findings into incidents with compare-and-set,
 * then tell the chat channels and the remediation policy. Processing is at-least-once and every
 * effect is idempotent (deterministic finding and incident ids), so a crash between the effect
 * and the completion mark never duplicates an incident, a card or a remediation.
 * A record that keeps failing is retried with exponential backoff and then parked as a dead
 * letter, visible in /immune status, never dropped.
 */

export interface ProcessorHooks {
  /**
   * An incident was created or gained findings, or (`replayed`) a record that had already
   * changed it is processed again after an earlier attempt died before telling anyone.
   * An error fails the record: it is retried with backoff (as a replay), then parked.
   */
  onIncident?(incident: Incident, created: boolean, replayed?: boolean): Promise<void>;
  /** Every normalized event of a batch, after analysis (anomaly baselines, least-privilege usage). */
  onEvents?(events: IamEvent[], analyses: EventAnalysis[]): Promise<void>;
}

export interface ProcessorOptions {
  store: Store;
  detectors: readonly Detector[];
  hooks?: ProcessorHooks;
  anomaly?: AnomalyScorer;
  batchSize: number;
  leaseMs: number;
  maxAttempts: number;
  windowMs: number;
  weights?: RiskWeights;
  productionPatterns?: string[];
  allowedDomains?: string[];
  internalAccounts?: string[];
  igaConnected?: () => boolean;
  /** Incidents whose effects (store, cards, remediation) run at once within a batch. */
  effectConcurrency?: number;
  /** Idle poll interval; accepted events wake the worker at once. */
  pollMs?: number;
  log?: (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;
  now?: () => Date;
}

/** A claimed record after the pure pipeline, waiting for its effects. */
interface Analysed {
  record: InboxRecord;
  analysis: EventAnalysis;
  now: Date;
  /** Set when the event has findings: the incident they fold into. */
  incidentId?: string;
  identity?: Identity;
}

/**
 * Runs `fn` over the items with at most `limit` keys in flight at once; items with the same
 * key run one after another, in their order.
 */
export async function forEachInOrderByKey<T>(
  items: T[],
  key: (item: T) => string,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  const queue = [...groups.values()];
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      for (const item of g) await fn(item);
    }
  });
  await Promise.all(lanes);
}

export interface ProcessorStats {
  processed: number;
  failed: number;
  dead: number;
  incidentsCreated: number;
  incidentsUpdated: number;
  lastLagMs: number;
}

export class InboxProcessor {
  readonly state: DetectionState;
  readonly stats: ProcessorStats = {
    processed: 0,
    failed: 0,
    dead: 0,
    incidentsCreated: 0,
    incidentsUpdated: 0,
    lastLagMs: 0,
  };
  private suppressions: Suppression[] = [];
  private suppressionsLoadedAt = 0;
  private identitiesReadAt = 0;
  /** updatedAt of the newest identity read (ISO 8601, so it orders as text). */
  private identitiesNewest = "";
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private pendingWake = false;
  private readonly now: () => Date;

  constructor(private readonly opts: ProcessorOptions) {
    this.state = new DetectionState({
      allowedDomains: opts.allowedDomains,
      internalAccounts: opts.internalAccounts,
    });
    this.now = opts.now ?? (() => new Date());
  }

  /** Rebuilds the in-memory detection state from the last hour of processed records. */
  async warmUp(): Promise<void> {
    const since = new Date(this.now().getTime() - 60 * 60 * 1000);
    const recent = await this.opts.store.listInbox({ status: "done", receivedAfter: since, limit: 20_000 });
    for (const r of recent) {
      try {
        this.state.observe(normalizeRecord(JSON.parse(r.payload)));
      } catch {
        // A record that was processed once always normalizes; nothing to do if it no longer does.
      }
    }
    const identities = await this.opts.store.query<Identity>("identities", { limit: 100_000 });
    for (const d of identities) this.learnIdentity(d.data);
    this.identitiesReadAt = Date.now();
  }

  private learnIdentity(identity: Identity): void {
    this.state.setIdentity(identity);
    this.opts.anomaly?.setIdentity?.(identity);
    if (identity.updatedAt > this.identitiesNewest) this.identitiesNewest = identity.updatedAt;
  }

  /**
   * Identities written since the last read (a SailPoint leaver, a joiner's onboarding window),
   * so the next events are scored with them: every 10 s, or at once after invalidateIdentities.
   * Read from a minute before the newest one seen, since another process's clock may lag this
   * one's; reading one twice changes nothing.
   */
  private async refreshIdentities(): Promise<void> {
    const t = Date.now();
    if (t - this.identitiesReadAt < 10_000) return;
    this.identitiesReadAt = t;
    const newest = Date.parse(this.identitiesNewest);
    const where = Number.isFinite(newest)
      ? [{ field: "updatedAt", op: ">=" as const, value: new Date(newest - 60_000).toISOString() }]
      : [];
    const docs = await this.opts.store.query<Identity>("identities", {
      where,
      orderBy: { field: "updatedAt" },
      limit: 10_000,
    });
    for (const d of docs) this.learnIdentity(d.data);
  }

  /** A feature wrote an identity: the next batch reads it before scoring. */
  invalidateIdentities(): void {
    this.identitiesReadAt = 0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming; resolves when the batch in flight is finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Accepted events call this so the worker does not wait for its next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const pollMs = this.opts.pollMs ?? 500;
    while (this.running) {
      let n = 0;
      try {
        n = await this.drainOnce();
      } catch (err) {
        this.opts.log?.("error", "inbox worker pass failed", { error: (err as Error).message });
      }
      if (n > 0 || !this.running) continue;
      if (this.pendingWake) {
        this.pendingWake = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = undefined;
      this.pendingWake = false;
    }
  }

  private async refreshSuppressions(): Promise<void> {
    const t = Date.now();
    if (t - this.suppressionsLoadedAt < 10_000) return;
    const docs = await this.opts.store.query<Suppression>("suppressions", { limit: 10_000 });
    this.suppressions = docs.map((d) => d.data);
    this.suppressionsLoadedAt = t;
  }

  /** Makes newly created suppressions take effect on the next event. */
  invalidateSuppressions(): void {
    this.suppressionsLoadedAt = 0;
  }

  /**
   * One pass: claim and process up to one batch. Returns how many records were claimed.
   * Analysis runs in inbox order (the detection state depends on it), in slices that yield to
   * the event loop so webhooks keep being answered; then the effects (incident
   * compare-and-set, cards, remediation) run for up to `effectConcurrency` incidents at once,
   * each incident's records in order, so one slow chat call does not hold up the others.
   */
  async drainOnce(): Promise<number> {
    const claimed = await this.opts.store.claimInbox({
      limit: this.opts.batchSize,
      leaseMs: this.opts.leaseMs,
      now: this.now(),
    });
    if (claimed.length === 0) return 0;
    await this.refreshSuppressions();
    await this.refreshIdentities();
    const normalized: { record: InboxRecord; event: IamEvent }[] = [];
    // Analysis runs in slices of a few milliseconds, so waiting webhooks are answered meanwhile.
    const slice = new TimeSlice();
    for (const record of claimed) {
      await slice.pause();
      try {
        normalized.push({ record, event: normalizeRecord(JSON.parse(record.payload)) });
      } catch (err) {
        await this.fail(record, err as Error);
      }
    }
    // The anomaly scorer may keep only recently active actors in memory: it loads the batch's
    // others now. If it cannot, the pass fails and the records come back when their lease ends.
    if (normalized.length && this.opts.anomaly?.prepare) {
      await this.opts.anomaly.prepare(normalized.map((n) => n.event));
    }
    const analysed: Analysed[] = [];
    for (const { record, event } of normalized) {
      await slice.pause();
      try {
        analysed.push(this.analyse(record, event));
      } catch (err) {
        await this.fail(record, err as Error);
      }
    }
    const done = new Set<Analysed>();
    await forEachInOrderByKey(
      analysed,
      (a) => a.incidentId ?? a.record.id,
      this.opts.effectConcurrency ?? 16,
      async (a) => {
        try {
          await this.applyEffects(a);
          done.add(a);
        } catch (err) {
          await this.fail(a.record, err as Error);
        }
      },
    );
    const inOrder = analysed.filter((a) => done.has(a));
    const events = inOrder.map((a) => a.analysis.event);
    const analyses = inOrder.map((a) => a.analysis);
    if (events.length && this.opts.hooks?.onEvents) {
      try {
        await this.opts.hooks.onEvents(events, analyses);
      } catch (err) {
        this.opts.log?.("warn", "event observers failed", { error: (err as Error).message });
      }
    }
    const finished = this.now();
    if (inOrder.length) {
      await this.opts.store.completeInbox(
        inOrder.map((a) => a.record.id),
        finished,
      );
      this.stats.processed += inOrder.length;
    }
    const oldest = claimed.reduce((m, r) => Math.min(m, r.receivedAt.getTime()), Number.POSITIVE_INFINITY);
    this.stats.lastLagMs = finished.getTime() - oldest;
    return claimed.length;
  }

  /** Normalize and run the pure pipeline; reads (and updates) the in-memory detection state. */
  private analyse(record: InboxRecord, event: IamEvent): Analysed {
    const now = this.now();
    const analysis = analyzeEvent(
      event,
      {
        detectors: this.opts.detectors,
        state: this.state,
        suppressions: this.suppressions,
        anomaly: this.opts.anomaly,
        weights: this.opts.weights,
        productionPatterns: this.opts.productionPatterns,
        igaConnected: this.opts.igaConnected?.(),
      },
      now,
    );
    if (analysis.findings.length === 0) return { record, analysis, now };
    return {
      record,
      analysis,
      now,
      incidentId: incidentIdFor(event, this.opts.windowMs),
      // The actor's identity as it was when this event was analysed.
      identity: this.state.context().identity(event.actor.id),
    };
  }

  /** Folds the findings into their incident (compare-and-set) and tells the hooks. */
  private async applyEffects(a: Analysed): Promise<void> {
    const { analysis, incidentId: id, now } = a;
    if (!id) return;
    const event = analysis.event;
    let created = false;
    let changed = false;
    const stored = await mutate<Incident>(this.opts.store, "incidents", id, (current) => {
      const next = mergeIntoIncident(current, id, {
        event,
        findings: analysis.findings,
        anomalyScore: analysis.anomalyScore,
        anomalyReasons: analysis.anomalyReasons,
        lowered: analysis.lowered,
        identity: a.identity,
        igaConnected: this.opts.igaConnected?.(),
        productionPatterns: this.opts.productionPatterns,
        weights: this.opts.weights,
        now,
      });
      created = current === null && next !== undefined;
      changed = next !== undefined;
      return next;
    });
    if (changed && stored) {
      if (created) this.stats.incidentsCreated++;
      else this.stats.incidentsUpdated++;
    }
    // A record claimed before (attempts > 1): the earlier attempt may have written the incident
    // and died before the card was posted or the remediation ran, so the hooks run again even
    // when nothing changed (each effect is idempotent), told it is a replay.
    const replayed = a.record.attempts > 1;
    const incident = changed
      ? stored?.data
      : replayed
        ? (await this.opts.store.get<Incident>("incidents", id))?.data
        : undefined;
    if (incident && this.opts.hooks?.onIncident) {
      // The incident is stored; a failure here (a card not posted) makes the record retry.
      await this.opts.hooks.onIncident(incident, created, replayed);
    }
  }

  private async fail(record: InboxRecord, err: Error): Promise<void> {
    const message = `${err.name}: ${err.message}`.slice(0, 500);
    if (record.attempts >= this.opts.maxAttempts) {
      await this.opts.store.failInbox(record.id, message, null);
      this.stats.dead++;
      this.opts.log?.("error", "inbox record parked as dead letter", { record: record.id, error: message });
      return;
    }
    const backoffMs = Math.min(5 * 60_000, 1000 * 2 ** (record.attempts - 1));
    await this.opts.store.failInbox(record.id, message, new Date(this.now().getTime() + backoffMs));
    this.stats.failed++;
    this.opts.log?.("warn", "inbox record failed; will retry", {
      record: record.id,
      error: message,
      backoffMs,
    });
  }
}
