import { z } from "zod";
import type { ActorClass, EventKeys } from "./eventKeys";
import { DAY_MS, HOUR_MS } from "./eventKeys";

/**
 * A behaviour baseline: what one identity (scope "actor") or one peer group (scope "peer",
 * all events of a department or of an actor kind) normally does. Compact by construction:
 * bounded sets with last-seen days (the least recently seen entry is dropped first), one
 * 168-bin hour-of-week histogram halved when it grows large, and counters that are halved
 * together so rates follow recent behaviour. An actor baseline also keeps its last hour of
 * calls (at most WINDOW_MAX) for the rate, breadth and failure features.
 */

export const WINDOW_MS = HOUR_MS;
export const WINDOW_MAX = 256;
/** An idle gap longer than this is dormancy (features.ts). */
export const DORMANT_GAP_MS = 7 * DAY_MS;

interface Caps {
  ips: number;
  prefixes: number;
  userAgents: number;
  actions: number;
  services: number;
  targets: number;
}
const ACTOR_CAPS: Caps = { ips: 64, prefixes: 32, userAgents: 16, actions: 256, services: 64, targets: 64 };
// Peer groups span many members: caps well above what a department uses, so a member's usual
// IP is not forgotten (and "new") just because the group is large.
const PEER_CAPS: Caps = {
  ips: 4096,
  prefixes: 2048,
  userAgents: 512,
  actions: 2048,
  services: 256,
  targets: 1024,
};
/** Histogram total above which all bins are halved (recent weeks weigh more). */
const HIST_CAP = { actor: 4096, peer: 65536 };
/** Event count above which all counters are halved. */
const COUNTER_CAP = { actor: 20_000, peer: 500_000 };

const entries = z.array(z.tuple([z.string(), z.number()]));

/** The stored shape (collection `baselines`, one document per actor or peer group). */
export const BaselineDocSchema = z.object({
  v: z.literal(1),
  scope: z.enum(["actor", "peer"]),
  key: z.string(),
  actorClass: z.enum(["human", "serviceAccount", "role"]),
  /** Actor baselines: the peer group they are compared with during cold start. */
  group: z.string().optional(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  /** When activity last resumed after more than DORMANT_GAP_MS idle, and how long it had been idle (ms). */
  wokeAt: z.number().optional(),
  idleBefore: z.number().optional(),
  events: z.number(),
  failures: z.number(),
  iamChanges: z.number(),
  privileged: z.number(),
  activeHours: z.number(),
  lastActiveHour: z.number(),
  /** Sum over active hours of distinct resources touched in the hour window. */
  distinctSum: z.number(),
  members: z.number(),
  hourOfWeek: z.array(z.number()).length(168),
  ips: entries,
  prefixes: entries,
  userAgents: entries,
  actions: entries,
  services: entries,
  targets: entries,
  /** Last hour of calls: [time ms, resource hash, failed 0/1, iam change 0/1]. */
  recent: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()])),
});
export type BaselineDoc = z.infer<typeof BaselineDocSchema>;

/** Set of keys with last-seen day, dropping the least recently seen beyond `cap`. */
export class RecencySet {
  readonly map = new Map<string, number>();
  constructor(readonly cap: number) {}

  /** Seen on a day ≥ sinceDay. */
  has(key: string, sinceDay: number): boolean {
    const d = this.map.get(key);
    return d !== undefined && d >= sinceDay;
  }

  touch(key: string, day: number): void {
    const d = this.map.get(key);
    if (d === day) return;
    // Re-insert so Map order is least recently seen first.
    if (d !== undefined) this.map.delete(key);
    this.map.set(key, day);
    if (this.map.size > this.cap) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  /** Keys and days, most recently seen first. */
  top(n: number): [string, number][] {
    return [...this.map.entries()].reverse().slice(0, n);
  }
}

export class Baseline {
  /** Epoch ms of the first and latest event learnt (0: none yet). */
  firstSeen = 0;
  lastSeen = 0;
  /** Epoch ms when activity last resumed after a dormant gap, and that gap in ms (0: never). */
  wokeAt = 0;
  idleBefore = 0;
  events = 0;
  failures = 0;
  iamChanges = 0;
  privileged = 0;
  activeHours = 0;
  lastActiveHour = -1;
  distinctSum = 0;
  members = 0;
  hourTotal = 0;
  readonly hourOfWeek = new Float64Array(168);
  readonly ips: RecencySet;
  readonly prefixes: RecencySet;
  readonly userAgents: RecencySet;
  readonly actions: RecencySet;
  readonly services: RecencySet;
  readonly targets: RecencySet;
  // The recent window, oldest first (actor baselines only).
  recentT: number[] = [];
  recentResource: number[] = [];
  recentFailed: number[] = [];
  recentIam: number[] = [];

  constructor(
    readonly scope: "actor" | "peer",
    readonly key: string,
    readonly actorClass: ActorClass,
    public group?: string,
  ) {
    const caps = scope === "actor" ? ACTOR_CAPS : PEER_CAPS;
    this.ips = new RecencySet(caps.ips);
    this.prefixes = new RecencySet(caps.prefixes);
    this.userAgents = new RecencySet(caps.userAgents);
    this.actions = new RecencySet(caps.actions);
    this.services = new RecencySet(caps.services);
    this.targets = new RecencySet(caps.targets);
  }

  /** Rates per active hour. */
  iamPerHour(): number {
    return this.activeHours ? this.iamChanges / this.activeHours : 0;
  }
  distinctPerHour(): number {
    return this.activeHours ? this.distinctSum / this.activeHours : 0;
  }
  failureRate(): number {
    return this.events ? this.failures / this.events : 0;
  }

  /**
   * Learns one event. For an actor baseline returns whether it started a new active hour and
   * whether its resource was new in the window, which the peer group's update reuses.
   */
  observe(k: EventKeys, fromActor?: { newHour: boolean; newInWindow: boolean; newMember: boolean }) {
    if (!this.firstSeen) this.firstSeen = k.t;
    if (this.lastSeen && k.t - this.lastSeen > DORMANT_GAP_MS) {
      this.wokeAt = k.t;
      this.idleBefore = k.t - this.lastSeen;
    }
    if (k.t > this.lastSeen) this.lastSeen = k.t;
    this.events++;
    if (k.failed) this.failures++;
    if (k.iamChange) this.iamChanges++;
    if (k.privileged) this.privileged++;
    this.hourOfWeek[k.hourOfWeek]++;
    this.hourTotal++;
    if (this.hourTotal > HIST_CAP[this.scope]) {
      this.hourTotal = 0;
      for (let i = 0; i < 168; i++) {
        this.hourOfWeek[i] /= 2;
        this.hourTotal += this.hourOfWeek[i];
      }
    }
    if (k.ip) this.ips.touch(k.ip, k.day);
    if (k.prefix) this.prefixes.touch(k.prefix, k.day);
    if (k.userAgent) this.userAgents.touch(k.userAgent, k.day);
    this.actions.touch(k.action, k.day);
    this.services.touch(k.service, k.day);
    this.targets.touch(k.target, k.day);

    let newHour: boolean;
    let newInWindow: boolean;
    if (fromActor) {
      newHour = fromActor.newHour;
      newInWindow = fromActor.newInWindow;
      if (fromActor.newMember) this.members++;
    } else {
      newHour = k.hour !== this.lastActiveHour;
      this.pruneWindow(k.t);
      newInWindow = !this.recentResource.includes(k.resource);
      this.recentT.push(k.t);
      this.recentResource.push(k.resource);
      this.recentFailed.push(k.failed ? 1 : 0);
      this.recentIam.push(k.iamChange ? 1 : 0);
      if (this.recentT.length > WINDOW_MAX) this.dropOldest();
    }
    if (newHour) {
      this.activeHours++;
      if (!fromActor) this.lastActiveHour = k.hour;
    }
    if (newInWindow) this.distinctSum++;
    if (this.events > COUNTER_CAP[this.scope]) {
      this.events /= 2;
      this.failures /= 2;
      this.iamChanges /= 2;
      this.privileged /= 2;
      this.activeHours /= 2;
      this.distinctSum /= 2;
    }
    return { newHour, newInWindow };
  }

  private pruneWindow(now: number): void {
    let drop = 0;
    while (drop < this.recentT.length && now - this.recentT[drop] > WINDOW_MS) drop++;
    if (drop) {
      this.recentT.splice(0, drop);
      this.recentResource.splice(0, drop);
      this.recentFailed.splice(0, drop);
      this.recentIam.splice(0, drop);
    }
  }

  private dropOldest(): void {
    this.recentT.shift();
    this.recentResource.shift();
    this.recentFailed.shift();
    this.recentIam.shift();
  }

  toDoc(): BaselineDoc {
    return {
      v: 1,
      scope: this.scope,
      key: this.key,
      actorClass: this.actorClass,
      ...(this.group !== undefined ? { group: this.group } : {}),
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      ...(this.wokeAt ? { wokeAt: this.wokeAt, idleBefore: this.idleBefore } : {}),
      events: this.events,
      failures: this.failures,
      iamChanges: this.iamChanges,
      privileged: this.privileged,
      activeHours: this.activeHours,
      lastActiveHour: this.lastActiveHour,
      distinctSum: this.distinctSum,
      members: this.members,
      hourOfWeek: [...this.hourOfWeek],
      ips: [...this.ips.map],
      prefixes: [...this.prefixes.map],
      userAgents: [...this.userAgents.map],
      actions: [...this.actions.map],
      services: [...this.services.map],
      targets: [...this.targets.map],
      recent: this.recentT.map((t, i) => [
        t,
        this.recentResource[i],
        this.recentFailed[i],
        this.recentIam[i],
      ]),
    };
  }

  static fromDoc(raw: unknown): Baseline {
    const d = BaselineDocSchema.parse(raw);
    const b = new Baseline(d.scope, d.key, d.actorClass, d.group);
    b.firstSeen = d.firstSeen;
    b.lastSeen = d.lastSeen;
    b.wokeAt = d.wokeAt ?? 0;
    b.idleBefore = d.idleBefore ?? 0;
    b.events = d.events;
    b.failures = d.failures;
    b.iamChanges = d.iamChanges;
    b.privileged = d.privileged;
    b.activeHours = d.activeHours;
    b.lastActiveHour = d.lastActiveHour;
    b.distinctSum = d.distinctSum;
    b.members = d.members;
    d.hourOfWeek.forEach((v, i) => {
      b.hourOfWeek[i] = v;
      b.hourTotal += v;
    });
    for (const [set, list] of [
      [b.ips, d.ips],
      [b.prefixes, d.prefixes],
      [b.userAgents, d.userAgents],
      [b.actions, d.actions],
      [b.services, d.services],
      [b.targets, d.targets],
    ] as const) {
      for (const [k, day] of list) set.map.set(k, day);
    }
    for (const [t, r, f, i] of d.recent) {
      b.recentT.push(t);
      b.recentResource.push(r);
      b.recentFailed.push(f);
      b.recentIam.push(i);
    }
    return b;
  }
}
