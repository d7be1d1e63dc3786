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

export class DetectionState {
  /** Actor → recent events; the Map's order is the actors' order of last activity. */
  private recent = new Map<string, IamEvent[]>();
  private recentTotal = 0;
  private newestMs = Number.NEGATIVE_INFINITY;
  private seen = new Set<string>();
  private identities = new Map<string, Identity>();
  readonly privilegedGroups = new Set<string>();
  readonly privilegedPrincipals = new Set<string>();
  readonly allowedDomains: string[];
  readonly internalAccounts: string[];
  private readonly windowMs: number;
  private readonly recentMax: number;
  private readonly seenMax: number;
  private readonly recentTotalMax: number;

  constructor(opts: DetectionStateOptions = {}) {
    this.allowedDomains = opts.allowedDomains ?? [];
    this.internalAccounts = opts.internalAccounts ?? [];
    this.windowMs = opts.recentWindowMs ?? 60 * 60 * 1000;
    this.recentMax = opts.recentMax ?? 500;
    this.seenMax = opts.seenMax ?? 200_000;
    this.recentTotalMax = opts.recentTotalMax ?? 50_000;
  }

  /** Recent events held over all actors (bounded by recentTotalMax). */
  get recentSize(): number {
    return this.recentTotal;
  }

  /** Key under which "seen before" is recorded for an event: actor, action and target. */
  static seenKey(actorId: string, action: string, targetId: string): string {
    return `${actorId}|${action}|${targetId}`;
  }

  context(): DetectionContext {
    return {
      allowedDomains: this.allowedDomains,
      internalAccounts: this.internalAccounts,
      recentByActor: (actorId) => this.recent.get(actorId) ?? [],
      seenBefore: (key) => this.seen.has(key),
      identity: (principalId) => this.identities.get(principalId),
      privilegedGroups: this.privilegedGroups,
      privilegedPrincipals: this.privilegedPrincipals,
    };
  }

  /**
   * Remember an event after it was run through the detectors. Actors idle for longer than the
   * window are forgotten, and the least recently active ones beyond recentTotalMax: every
   * new principal name would otherwise stay in memory for good.
   */
  observe(event: IamEvent): void {
    const actor = event.actor.id;
    const list = this.recent.get(actor) ?? [];
    // Re-inserted below, so the Map stays in order of last activity.
    this.recent.delete(actor);
    list.push(event);
    this.recentTotal++;
    const newest = Date.parse(event.time);
    let drop = 0;
    while (
      drop < list.length &&
      (newest - Date.parse(list[drop].time) > this.windowMs || list.length - drop > this.recentMax)
    ) {
      drop++;
    }
    if (drop) {
      list.splice(0, drop);
      this.recentTotal -= drop;
    }
    if (list.length) this.recent.set(actor, list);
    if (newest > this.newestMs) this.newestMs = newest;
    this.forgetIdleActors();
    this.remember(DetectionState.seenKey(event.actor.id, event.action, event.target.id));
    this.remember(DetectionState.seenKey(event.actor.id, event.action, "*"));
  }

  private forgetIdleActors(): void {
    for (const [actor, list] of this.recent) {
      const last = Date.parse(list[list.length - 1].time);
      if (this.recentTotal <= this.recentTotalMax && !(this.newestMs - last > this.windowMs)) break;
      this.recent.delete(actor);
      this.recentTotal -= list.length;
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

  private remember(key: string): void {
    if (this.seen.has(key)) return;
    if (this.seen.size >= this.seenMax) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.add(key);
  }

  setIdentity(identity: Identity): void {
    this.identities.set(identity.id, identity);
    for (const alias of identity.aliases) this.identities.set(alias, identity);
  }
}

function boundedAdd(set: Set<string>, value: string, max: number): void {
  if (set.has(value)) return;
  if (set.size >= max) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(value);
}
