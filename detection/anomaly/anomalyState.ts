import type { IamEvent, Identity } from "../model";
import type { AnomalyModel } from "./anomalyModel";
import type { BaselineDoc } from "./baseline";
import { Baseline } from "./baseline";
import type { EventKeys } from "./eventKeys";
import { actorClass, DAY_MS, eventKeys } from "./eventKeys";
import { extractFeatures, N_FEATURES } from "./features";
import type { AnomalyResult } from "./scoreEvent";
import { SERVICE_ACCOUNT_WEIGHT, scoreFeatures } from "./scoreEvent";

/**
 * The anomaly model's working memory: one baseline per actor and per peer group, updated as
 * events arrive, plus the current model. No I/O: the pipeline calls `process(event)` per
 * event (score against what was known before it, then learn it), and persists
 * `takeDirtyDocs()` through anomalyStore.ts when it likes.
 *
 * Memory: every principal that ever acts gets a baseline, so a server keeps only the actors
 * active lately (`maxActors`, `actorIdleMs`). After a save, `release(now)` evicts the least
 * recently active actors beyond maxActors and those idle longer than actorIdleMs; a baseline
 * with unsaved learning is never evicted. The store keeps every baseline, and before a batch is
 * scored `missingActors` / `adopt` bring evicted ones back (anomalyStore.ts), so an actor
 * scores the same whether it stayed in memory or not. Peer groups are few and always kept.
 *
 * Cold start: until an actor has ANOMALY_MIN_HISTORY_EVENTS events over at least two days,
 * it is compared with its peer group — its department when the identity data names one,
 * else all actors of its kind (people, service accounts, roles) — not with its own thin history.
 */
export interface AnomalyStateOptions {
  baselineDays?: number;
  minHistoryEvents?: number;
  model?: AnomalyModel;
  /** At most this many actor baselines in memory after `release` (default: no limit). */
  maxActors?: number;
  /** Actor baselines not active for this long (wall clock, ms) are evicted by `release` (default: never). */
  actorIdleMs?: number;
}

/** Joiners in onboarding learn new things: their deviations weigh less. */
export const ONBOARDING_WEIGHT = 0.7;

export class AnomalyState {
  readonly baselineDays: number;
  readonly minHistoryEvents: number;
  readonly maxActors: number;
  readonly actorIdleMs: number;
  model: AnomalyModel | undefined;
  /** Actor baselines; the Map's order is the order of last activity as of the last `release`. */
  private readonly actors = new Map<string, ActorEntry>();
  private readonly peers = new Map<string, Baseline>();
  private readonly identities = new Map<string, Identity>();
  private readonly dirty = new Set<Baseline>();
  /** Actors active (or brought back) since the last `release`. */
  private readonly touched = new Set<string>();
  /** Actor id → its raw kind and peer groups (bounded with the actors: evicted together). */
  private readonly groupCache = new Map<string, { rawKind: string; department?: string; kind: string }>();
  private evictedTotal = 0;
  /** Whether `release` can evict (a bound is set); otherwise activity is not tracked. */
  private readonly evicts: boolean;

  constructor(opts: AnomalyStateOptions = {}) {
    this.baselineDays = opts.baselineDays ?? 30;
    this.minHistoryEvents = opts.minHistoryEvents ?? 30;
    this.maxActors = opts.maxActors ?? Number.POSITIVE_INFINITY;
    this.actorIdleMs = opts.actorIdleMs ?? Number.POSITIVE_INFINITY;
    this.evicts = Number.isFinite(this.maxActors) || Number.isFinite(this.actorIdleMs);
    this.model = opts.model;
  }

  setModel(model: AnomalyModel): void {
    this.model = model;
  }

  /** Identity lifecycle data (department, onboarding) for peer groups and weighting. */
  setIdentity(identity: Identity): void {
    this.groupCache.clear();
    this.identities.set(identity.id, identity);
    for (const alias of identity.aliases) this.identities.set(alias, identity);
  }

  actorBaseline(actorId: string): Baseline | undefined {
    return this.actors.get(actorId)?.baseline;
  }

  peerBaseline(group: string): Baseline | undefined {
    return this.peers.get(group);
  }

  /** Actor baselines in memory now. */
  get actorCount(): number {
    return this.actors.size;
  }

  /** Actor baselines evicted from memory so far (they stay in the store). */
  get evictedCount(): number {
    return this.evictedTotal;
  }

  /** The peer groups an actor belongs to: its department (if known) and its kind. */
  groupsOf(event: IamEvent): { department?: string; kind: string } {
    let g = this.groupCache.get(event.actor.id);
    if (!g || g.rawKind !== event.actor.kind) {
      const dept = this.identities.get(event.actor.id)?.department;
      g = {
        rawKind: event.actor.kind,
        ...(dept ? { department: `dept:${dept.toLowerCase()}` } : {}),
        kind: `kind:${actorClass(event.actor.kind)}`,
      };
      // Without eviction (training, scans) the cache alone is bounded.
      if (this.groupCache.size >= GROUP_CACHE_MAX) this.groupCache.clear();
      this.groupCache.set(event.actor.id, g);
    }
    return g;
  }

  private mature(b: Baseline | undefined): b is Baseline {
    return !!b && b.events >= this.minHistoryEvents && b.lastSeen - b.firstSeen >= 2 * DAY_MS;
  }

  /** What the event is judged against: the actor's own baseline once mature, else its peer group's. */
  comparison(event: IamEvent): { reference: Baseline; own: Baseline | undefined } {
    const own = this.actors.get(event.actor.id)?.baseline;
    if (this.mature(own) || this.minHistoryEvents === 0) {
      return { reference: own ?? this.fresh(event), own };
    }
    const g = this.groupsOf(event);
    const dept = g.department ? this.peers.get(g.department) : undefined;
    if (dept && dept.members >= 2 && this.mature(dept)) return { reference: dept, own };
    const kind = this.peers.get(g.kind);
    if (kind && kind.events > 0) return { reference: kind, own };
    return { reference: own ?? this.fresh(event), own };
  }

  private fresh(event: IamEvent): Baseline {
    return new Baseline("actor", event.actor.id, actorClass(event.actor.kind));
  }

  /** Scores against what was known before the event (no learning). Undefined without a model. */
  score(event: IamEvent, k: EventKeys = eventKeys(event)): AnomalyResult | undefined {
    const model = this.model;
    if (!model) return undefined;
    const { reference, own } = this.comparison(event);
    const x = new Float64Array(N_FEATURES);
    extractFeatures(k, reference, own, this.baselineDays, x);
    const identity = this.identities.get(event.actor.id);
    const onboarding = identity?.onboardingUntil !== undefined && identity.onboardingUntil > event.time;
    const weight = onboarding
      ? ONBOARDING_WEIGHT
      : actorClass(event.actor.kind) === "serviceAccount"
        ? SERVICE_ACCOUNT_WEIGHT
        : 1;
    return scoreFeatures(x, k, event, reference, own, model, {
      baselineDays: this.baselineDays,
      weight,
      ...(onboarding ? { notes: ["joiner still onboarding: deviations weigh less"] } : {}),
    });
  }

  /** Learns the event into its actor's and peer groups' baselines. */
  observe(event: IamEvent, k: EventKeys = eventKeys(event)): void {
    let own = this.actors.get(event.actor.id)?.baseline;
    const newMember = !own;
    const g = this.groupsOf(event);
    if (!own) {
      own = new Baseline("actor", event.actor.id, actorClass(event.actor.kind));
      this.actors.set(event.actor.id, { baseline: own, activeAt: Number.POSITIVE_INFINITY });
    }
    if (this.evicts) this.touched.add(event.actor.id);
    own.group = g.department ?? g.kind;
    const r = own.observe(k);
    this.dirty.add(own);
    const fromActor = { newHour: r.newHour, newInWindow: r.newInWindow, newMember };
    if (g.department) this.observePeer(g.department, event, k, fromActor);
    this.observePeer(g.kind, event, k, fromActor);
  }

  private observePeer(
    key: string,
    event: IamEvent,
    k: EventKeys,
    fromActor: { newHour: boolean; newInWindow: boolean; newMember: boolean },
  ): void {
    let peer = this.peers.get(key);
    if (!peer) {
      peer = new Baseline("peer", key, actorClass(event.actor.kind));
      this.peers.set(key, peer);
    }
    peer.observe(k, fromActor);
    this.dirty.add(peer);
  }

  /** Score (against the past), then learn. The per-event call for the pipeline. */
  process(event: IamEvent): AnomalyResult | undefined {
    const k = eventKeys(event);
    const result = this.score(event, k);
    this.observe(event, k);
    return result;
  }

  /** Training: writes the event's features at out[offset..], then learns it. */
  extractAndObserve(
    event: IamEvent,
    out: Float64Array,
    offset: number,
    k: EventKeys = eventKeys(event),
  ): EventKeys {
    const { reference, own } = this.comparison(event);
    extractFeatures(k, reference, own, this.baselineDays, out, offset);
    this.observe(event, k);
    return k;
  }

  /** Baselines changed since the last call, as store documents. */
  takeDirtyDocs(): BaselineDoc[] {
    const docs = [...this.dirty].map((b) => b.toDoc());
    this.dirty.clear();
    return docs;
  }

  /** A save of these documents failed: their baselines count as unsaved again. */
  markUnsaved(docs: readonly Pick<BaselineDoc, "scope" | "key">[]): void {
    for (const d of docs) {
      const b = d.scope === "actor" ? this.actors.get(d.key)?.baseline : this.peers.get(d.key);
      if (b) this.dirty.add(b);
    }
  }

  /** Every baseline in memory, as store documents. */
  toDocs(): BaselineDoc[] {
    return [...[...this.actors.values()].map((e) => e.baseline), ...this.peers.values()].map((b) =>
      b.toDoc(),
    );
  }

  /**
   * Replaces baselines with stored ones (validated). Actors count as active now (their idle
   * time starts at the next `release`); give them least recently active first.
   */
  load(docs: Iterable<unknown>): void {
    for (const raw of docs) {
      const b = Baseline.fromDoc(raw);
      if (b.scope === "peer") {
        this.peers.set(b.key, b);
        continue;
      }
      this.actors.delete(b.key);
      this.actors.set(b.key, { baseline: b, activeAt: Number.POSITIVE_INFINITY });
      if (this.evicts) this.touched.add(b.key);
    }
  }

  /** Of these actor ids, the ones whose baseline is not in memory (each once). */
  missingActors(actorIds: Iterable<string>): string[] {
    const missing = new Set<string>();
    for (const id of actorIds) if (!this.actors.has(id)) missing.add(id);
    return [...missing];
  }

  /**
   * Brings stored actor baselines back into memory (before the batch that needs them is
   * scored). A baseline already in memory is newer than the stored one and is kept.
   */
  adopt(docs: Iterable<unknown>): void {
    for (const raw of docs) {
      const b = Baseline.fromDoc(raw);
      if (b.scope !== "actor" || this.actors.has(b.key)) continue;
      this.actors.set(b.key, { baseline: b, activeAt: Number.POSITIVE_INFINITY });
      if (this.evicts) this.touched.add(b.key);
    }
  }

  /**
   * Call after the dirty baselines were saved: marks the actors active since the last call as
   * active at `nowMs`, then evicts the least recently active actors beyond maxActors and those
   * idle longer than actorIdleMs. Baselines with unsaved learning stay. Returns how many left.
   */
  release(nowMs: number): number {
    for (const id of this.touched) {
      const e = this.actors.get(id);
      if (!e) continue;
      e.activeAt = nowMs;
      // Re-inserted, so the Map stays in order of last activity.
      this.actors.delete(id);
      this.actors.set(id, e);
    }
    this.touched.clear();
    let evicted = 0;
    for (const [id, e] of this.actors) {
      const over = this.actors.size > this.maxActors;
      if (!over && !(nowMs - e.activeAt > this.actorIdleMs)) break;
      if (this.dirty.has(e.baseline)) continue;
      this.actors.delete(id);
      this.groupCache.delete(id);
      evicted++;
    }
    this.evictedTotal += evicted;
    return evicted;
  }
}

interface ActorEntry {
  baseline: Baseline;
  /** Wall-clock ms of the `release` after its last activity (+Infinity: active since). */
  activeAt: number;
}

/** Bound of the peer-group cache when actors are never evicted (scans, training). */
const GROUP_CACHE_MAX = 200_000;
