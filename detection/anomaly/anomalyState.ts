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
 * Cold start: until an actor has ANOMALY_MIN_HISTORY_EVENTS events over at least two days,
 * it is compared with its peer group — its department when the identity data names one,
 * else all actors of its kind (people, service accounts, roles) — not with its own thin history.
 */
export interface AnomalyStateOptions {
  baselineDays?: number;
  minHistoryEvents?: number;
  model?: AnomalyModel;
}

/** Joiners in onboarding learn new things: their deviations weigh less. */
export const ONBOARDING_WEIGHT = 0.7;

export class AnomalyState {
  readonly baselineDays: number;
  readonly minHistoryEvents: number;
  model: AnomalyModel | undefined;
  private readonly actors = new Map<string, Baseline>();
  private readonly peers = new Map<string, Baseline>();
  private readonly identities = new Map<string, Identity>();
  private readonly dirty = new Set<Baseline>();
  /** Per actor id: its kind and peer groups (an id keeps its kind, so the id alone is the key). */
  private readonly groupCache = new Map<string, { actorKind: string; department?: string; kind: string }>();

  constructor(opts: AnomalyStateOptions = {}) {
    this.baselineDays = opts.baselineDays ?? 30;
    this.minHistoryEvents = opts.minHistoryEvents ?? 30;
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
    return this.actors.get(actorId);
  }

  peerBaseline(group: string): Baseline | undefined {
    return this.peers.get(group);
  }

  get actorCount(): number {
    return this.actors.size;
  }

  /** The peer groups an actor belongs to: its department (if known) and its kind. */
  groupsOf(event: IamEvent): { department?: string; kind: string } {
    let g = this.groupCache.get(event.actor.id);
    if (!g || g.actorKind !== event.actor.kind) {
      const dept = this.identities.get(event.actor.id)?.department;
      g = {
        actorKind: event.actor.kind,
        ...(dept ? { department: `dept:${dept.toLowerCase()}` } : {}),
        kind: `kind:${actorClass(event.actor.kind)}`,
      };
      if (this.groupCache.size >= 200_000) this.groupCache.clear();
      this.groupCache.set(event.actor.id, g);
    }
    return g;
  }

  private mature(b: Baseline | undefined): b is Baseline {
    return !!b && b.events >= this.minHistoryEvents && b.lastSeen - b.firstSeen >= 2 * DAY_MS;
  }

  /** What the event is judged against: the actor's own baseline once mature, else its peer group's. */
  comparison(event: IamEvent): { reference: Baseline; own: Baseline | undefined } {
    const own = this.actors.get(event.actor.id);
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
    let own = this.actors.get(event.actor.id);
    const newMember = !own;
    const g = this.groupsOf(event);
    if (!own) {
      own = new Baseline("actor", event.actor.id, actorClass(event.actor.kind));
      this.actors.set(event.actor.id, own);
    }
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

  /** Every baseline, as store documents. */
  toDocs(): BaselineDoc[] {
    return [...this.actors.values(), ...this.peers.values()].map((b) => b.toDoc());
  }

  /** Replaces baselines with stored ones (validated). */
  load(docs: Iterable<unknown>): void {
    for (const raw of docs) {
      const b = Baseline.fromDoc(raw);
      (b.scope === "actor" ? this.actors : this.peers).set(b.key, b);
    }
  }
}
