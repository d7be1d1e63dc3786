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
}

/** One actor's recent events, oldest first, with their times parsed once. */
interface RecentList {
  events: IamEvent[];
  times: number[];
}

export class DetectionState {
  private recent = new Map<string, RecentList>();
  private seen = new Set<string>();
  private identities = new Map<string, Identity>();
  readonly privilegedGroups = new Set<string>();
  readonly privilegedPrincipals = new Set<string>();
  readonly allowedDomains: string[];
  readonly internalAccounts: string[];
  private readonly windowMs: number;
  private readonly recentMax: number;
  private readonly seenMax: number;
  /** Built once: detectors read it on every event, and it only closes over this state. */
  private readonly ctx: DetectionContext;

  constructor(opts: DetectionStateOptions = {}) {
    this.allowedDomains = opts.allowedDomains ?? [];
    this.internalAccounts = opts.internalAccounts ?? [];
    this.windowMs = opts.recentWindowMs ?? 60 * 60 * 1000;
    this.recentMax = opts.recentMax ?? 500;
    this.seenMax = opts.seenMax ?? 200_000;
    this.ctx = {
      allowedDomains: this.allowedDomains,
      internalAccounts: this.internalAccounts,
      recentByActor: (actorId) => this.recent.get(actorId)?.events ?? NONE,
      seenBefore: (key) => this.seen.has(key),
      identity: (principalId) => this.identities.get(principalId),
      privilegedGroups: this.privilegedGroups,
      privilegedPrincipals: this.privilegedPrincipals,
    };
  }

  /** Key under which "seen before" is recorded for an event: actor, action and target. */
  static seenKey(actorId: string, action: string, targetId: string): string {
    return `${actorId}|${action}|${targetId}`;
  }

  context(): DetectionContext {
    return this.ctx;
  }

  /** Remember an event after it was run through the detectors. */
  observe(event: IamEvent): void {
    let list = this.recent.get(event.actor.id);
    if (!list) {
      list = { events: [], times: [] };
      this.recent.set(event.actor.id, list);
    }
    const newest = Date.parse(event.time);
    list.events.push(event);
    list.times.push(newest);
    const { times } = list;
    let drop = 0;
    while (
      drop < times.length &&
      (newest - times[drop] > this.windowMs || times.length - drop > this.recentMax)
    ) {
      drop++;
    }
    if (drop) {
      list.events.splice(0, drop);
      times.splice(0, drop);
    }
    this.remember(DetectionState.seenKey(event.actor.id, event.action, event.target.id));
    this.remember(DetectionState.seenKey(event.actor.id, event.action, "*"));
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

const NONE: readonly IamEvent[] = Object.freeze([]);

function boundedAdd(set: Set<string>, value: string, max: number): void {
  if (set.has(value)) return;
  if (set.size >= max) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(value);
}
