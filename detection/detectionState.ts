import type { DetectionContext } from "./detector";
import type { Finding, IamEvent, Identity } from "./model";

/**
 * The memory detectors read through DetectionContext: recent events per actor (bounded),
 * which actor→action→target combinations were seen before, known identities and privileged
 * AWS groups. It lives in process memory, is fed in event order by the pipeline after
 * detection, and never does I/O, so `immune scan` and the server give the same answers for
 * the same stream.
 */
export interface DetectionStateOptions {
  allowedDomains?: string[];
  internalAccounts?: string[];
  /** How far back recentByActor reaches, from the newest event of that actor. */
  recentWindowMs?: number;
  /** At most this many recent events kept per actor. */
  recentMax?: number;
  /** At most this many seen keys remembered (oldest forgotten first). */
  seenMax?: number;
  /** At most this many recent events kept over all actors (least recently active forgotten first). */
  recentTotalMax?: number;
}

/**
 * One actor's kept recent events, oldest first, with their times parsed once and their place in
 * the actor's stream (`count` counts every event observed since the list was made), so the
 * recentMax bound still counts all the actor's events, kept or not.
 */
interface RecentList {
  events: IamEvent[];
  times: number[];
  seqs: number[];
  count: number;
}

export class DetectionState {
  /** Actor → kept recent events; the Map's order is the actors' order of last activity. */
  private recent = new Map<string, RecentList>();
  private recentTotal = 0;
  private newestMs = Number.NEGATIVE_INFINITY;
  /** actor → action → targets seen ("*" = any target), and the order they were first seen in. */
  private seen = new Map<string, Map<string, Set<string>>>();
  private seenOrder: SeenKey[] = [];
  private seenOldest = 0;
  private identities = new Map<string, Identity>();
  readonly privilegedGroups = new Set<string>();
  readonly privilegedPrincipals = new Set<string>();
  readonly allowedDomains: string[];
  readonly internalAccounts: string[];
  private readonly windowMs: number;
  private readonly recentMax: number;
  private readonly seenMax: number;
  private readonly recentTotalMax: number;
  /** Built once: detectors read it on every event, and it only closes over this state. */
  private readonly ctx: DetectionContext;

  constructor(opts: DetectionStateOptions = {}) {
    this.allowedDomains = opts.allowedDomains ?? [];
    this.internalAccounts = opts.internalAccounts ?? [];
    this.windowMs = opts.recentWindowMs ?? 60 * 60 * 1000;
    this.recentMax = opts.recentMax ?? 500;
    this.seenMax = opts.seenMax ?? 200_000;
    this.recentTotalMax = opts.recentTotalMax ?? 50_000;
    this.ctx = {
      allowedDomains: this.allowedDomains,
      internalAccounts: this.internalAccounts,
      recentByActor: (actorId) => this.recent.get(actorId)?.events ?? NONE,
      seenBefore: (actorId, action, targetId) => this.seen.get(actorId)?.get(action)?.has(targetId) ?? false,
      identity: (principalId) => this.identities.get(principalId),
      privilegedGroups: this.privilegedGroups,
      privilegedPrincipals: this.privilegedPrincipals,
    };
  }

  context(): DetectionContext {
    return this.ctx;
  }

  /** Recent events held over all actors (bounded by recentTotalMax). */
  get recentSize(): number {
    return this.recentTotal;
  }

  /**
   * Remember an event after it was run through the detectors. `keep` says whether recentByActor
   * returns it later, `seen` whether seenBefore knows its actor → action → target (runDetectors
   * asks the detectors' `keeps` and `remembers`; both default to yes). Every event still moves
   * the actor's window: what is kept is what the detectors would have seen keeping everything.
   */
  observe(event: IamEvent, seen = true, keep = true): void {
    const actor = event.actor.id;
    let list = this.recent.get(actor);
    if (list) {
      // Re-inserted, so the Map stays in order of last activity.
      this.recent.delete(actor);
      this.recent.set(actor, list);
    } else if (keep) {
      list = { events: [], times: [], seqs: [], count: 0 };
      this.recent.set(actor, list);
    }
    if (list) {
      const newest = Date.parse(event.time);
      if (newest > this.newestMs) this.newestMs = newest;
      const count = ++list.count;
      if (keep) {
        list.events.push(event);
        list.times.push(newest);
        list.seqs.push(count);
        this.recentTotal++;
      }
      const { times, seqs } = list;
      let drop = 0;
      while (
        drop < times.length &&
        (newest - times[drop] > this.windowMs || count - seqs[drop] >= this.recentMax)
      ) {
        drop++;
      }
      this.recentTotal -= drop;
      if (drop === times.length) this.recent.delete(actor);
      else if (drop) {
        list.events.splice(0, drop);
        times.splice(0, drop);
        seqs.splice(0, drop);
      }
      this.forgetIdleActors();
    }
    if (!seen) return;
    this.remember(event.actor.id, event.action, event.target.id);
    this.remember(event.actor.id, event.action, "*");
  }

  /**
   * Actors idle for longer than the window, and the least recently active beyond
   * recentTotalMax, are forgotten: every new principal name would otherwise stay for good.
   */
  private forgetIdleActors(): void {
    for (const [actor, list] of this.recent) {
      const last = list.times[list.times.length - 1];
      if (this.recentTotal <= this.recentTotalMax && !(this.newestMs - last > this.windowMs)) break;
      this.recent.delete(actor);
      this.recentTotal -= list.events.length;
    }
  }

  /**
   * Learn from findings what later events need: a finding whose evidence names a
   * `privilegedGroup` (admin policy on a group) or a `privilegedPrincipal` (a user or role given
   * admin-grade access) marks it privileged for the rest of the process (MFA-less sign-ins,
   * later group memberships). Bounded like the seen keys.
   */
  learnFromFindings(findings: readonly Finding[]): void {
    for (const f of findings) {
      const group = f.evidence.privilegedGroup;
      if (typeof group === "string" && group) boundedAdd(this.privilegedGroups, group, this.seenMax);
      const principal = f.evidence.privilegedPrincipal;
      if (typeof principal === "string" && principal)
        boundedAdd(this.privilegedPrincipals, principal, this.seenMax);
    }
  }

  /**
   * Records actor → action → target as seen. At most seenMax are kept; the first seen is
   * forgotten first (a ring of keys in first-seen order). Nested maps, not one composite
   * string key: no key string to build and hash per event, and no separator ambiguity.
   */
  private remember(actorId: string, action: string, targetId: string): void {
    let byAction = this.seen.get(actorId);
    let targets = byAction?.get(action);
    if (targets?.has(targetId)) return;
    if (this.seenOrder.length >= this.seenMax) {
      const [a, b, t] = this.seenOrder[this.seenOldest];
      this.forget(a, b, t);
      this.seenOrder[this.seenOldest] = [actorId, action, targetId];
      this.seenOldest = (this.seenOldest + 1) % this.seenMax;
      // Forgetting may have emptied (and dropped) the maps this key goes into.
      byAction = this.seen.get(actorId);
      targets = byAction?.get(action);
    } else {
      this.seenOrder.push([actorId, action, targetId]);
    }
    if (!byAction) {
      byAction = new Map();
      this.seen.set(actorId, byAction);
    }
    if (!targets) {
      targets = new Set();
      byAction.set(action, targets);
    }
    targets.add(targetId);
  }

  private forget(actorId: string, action: string, targetId: string): void {
    const byAction = this.seen.get(actorId);
    const targets = byAction?.get(action);
    if (!byAction || !targets) return;
    targets.delete(targetId);
    if (targets.size) return;
    byAction.delete(action);
    if (!byAction.size) this.seen.delete(actorId);
  }

  setIdentity(identity: Identity): void {
    this.identities.set(identity.id, identity);
    for (const alias of identity.aliases) this.identities.set(alias, identity);
  }
}

const NONE: readonly IamEvent[] = Object.freeze([]);

type SeenKey = [actorId: string, action: string, targetId: string];

function boundedAdd(set: Set<string>, value: string, max: number): void {
  if (set.has(value)) return;
  if (set.size >= max) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(value);
}
