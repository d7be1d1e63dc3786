import type { Baseline } from "./baseline";
import { WINDOW_MS } from "./baseline";
import type { EventKeys } from "./eventKeys";
import { DAY_MS } from "./eventKeys";

/**
 * The features of one event, each measured against a baseline (the actor's own, or its peer
 * group's during cold start). Every feature is 0 when the event looks usual and grows towards
 * 1 as it departs from the baseline, so "how much would the score drop if this feature were
 * usual" is a plain explanation (see scoreEvent.ts). The README's feature table is generated from FEATURES.
 *
 * | # | name               | range | meaning |
 * |---|--------------------|-------|---------|
 * | 0 | hour_unusual       | 0..1  | 1 − share of the baseline's calls in this hour of day (±1 h smoothed) relative to half an even share (1/48); 0 when too little history |
 * | 1 | weekday_unusual    | 0..1  | same for the weekday, against half an even share (1/14) |
 * | 2 | new_ip             | 0/1   | source IP not seen within the baseline window |
 * | 3 | new_ip_prefix      | 0/1   | its /24 (IPv4) or /48 (IPv6) not seen within the window |
 * | 4 | new_user_agent     | 0/1   | user agent (versions and per-command parts stripped) not seen |
 * | 5 | new_action         | 0/1   | action (eventName / methodName) never used within the window |
 * | 6 | new_service        | 0/1   | service (eventSource / serviceName) never used |
 * | 7 | new_target         | 0/1   | target project (GCP) / account (AWS) never touched |
 * | 8 | iam_rate           | 0..1  | log2((IAM changes in the last hour + 1) / (usual per active hour + 1)) / 5, floored at 0 |
 * | 9 | distinct_resources | 0..1  | same ratio for distinct resources touched in the last hour |
 * |10 | failure_share      | 0..1  | failed share of the last hour's calls (smoothed) above the usual failure rate |
 * |11 | privileged         | 0/1   | permissions-management or credential action (AWS access level, GCP setIamPolicy, keys, tokens) |
 * |12 | dormancy           | 0..1  | log2(days idle / 7) / log2(60 / 7), floored at 0: idle a week → 0, two months → 1. Days idle: since the actor's previous call, or, during the first day back after more than a week idle, that idle gap (every call of a woken account counts, not only its first) |
 */
export const FEATURE_SCHEMA_VERSION = 1;

export const FEATURES = [
  { name: "hour_unusual", description: "call at an hour of day the baseline is rarely active" },
  { name: "weekday_unusual", description: "call on a weekday the baseline is rarely active" },
  { name: "new_ip", description: "source IP not seen within the baseline window" },
  { name: "new_ip_prefix", description: "source /24 or /48 network not seen within the baseline window" },
  { name: "new_user_agent", description: "user agent not seen within the baseline window" },
  { name: "new_action", description: "action never used within the baseline window" },
  { name: "new_service", description: "service never used within the baseline window" },
  { name: "new_target", description: "target project or account never touched within the baseline window" },
  { name: "iam_rate", description: "IAM-changing calls in the last hour against the usual rate" },
  {
    name: "distinct_resources",
    description: "distinct resources touched in the last hour against the usual",
  },
  { name: "failure_share", description: "share of failed calls in the last hour above the usual" },
  { name: "privileged", description: "privileged action (permissions management, credentials)" },
  { name: "dormancy", description: "first call, or first day of calls, after a long idle period" },
] as const;

export type FeatureName = (typeof FEATURES)[number]["name"];
export const FEATURE_NAMES: FeatureName[] = FEATURES.map((f) => f.name);
export const N_FEATURES = FEATURES.length;
export const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<FeatureName, number>;

/** Hours below this much history make time-of-day features 0 (unknown is not unusual). */
const MIN_HOURS_EVIDENCE = 8;

/** Calls of the actor in the last hour, this one included. */
export interface WindowStats {
  calls: number;
  failures: number;
  iamChanges: number;
  distinctResources: number;
}

/** Reused by windowStats (synchronous, so never shared between two calls in flight). */
const SEEN = new Set<number>();

export function windowStats(k: EventKeys, own: Baseline | undefined): WindowStats {
  let calls = 1;
  let failures = k.failed ? 1 : 0;
  let iamChanges = k.iamChange ? 1 : 0;
  const seen = SEEN;
  seen.clear();
  seen.add(k.resource);
  if (own) {
    const from = k.t - WINDOW_MS;
    for (let i = own.recentT.length - 1; i >= 0 && own.recentT[i] >= from; i--) {
      if (own.recentT[i] > k.t) continue;
      calls++;
      failures += own.recentFailed[i];
      iamChanges += own.recentIam[i];
      seen.add(own.recentResource[i]);
    }
  }
  return { calls, failures, iamChanges, distinctResources: seen.size };
}

/** Share of the baseline's calls in hour-of-day h (smoothed over h ± 1). */
export function hourShare(b: Baseline, h: number): number {
  if (b.hourTotal <= 0) return 0;
  return (
    (0.5 * hourOfDayCount(b, h) + 0.25 * (hourOfDayCount(b, h - 1) + hourOfDayCount(b, h + 1))) / b.hourTotal
  );
}

/** Calls in hour-of-day h (wrapping) over the seven weekdays. */
function hourOfDayCount(b: Baseline, h: number): number {
  const hh = (h + 24) % 24;
  let s = 0;
  for (let d = 0; d < 7; d++) s += b.hourOfWeek[d * 24 + hh];
  return s;
}

export function weekdayShare(b: Baseline, d: number): number {
  if (b.hourTotal <= 0) return 0;
  let s = 0;
  for (let h = 0; h < 24; h++) s += b.hourOfWeek[d * 24 + h];
  return s / b.hourTotal;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * Writes the N_FEATURES features of the event at `out[offset..]`. `reference` is what the event
 * is compared with (own or peer baseline); `own` supplies the actor's recent window and its
 * last call (dormancy) and may be absent for an actor never seen. Both are read before the
 * event is learnt.
 */
export function extractFeatures(
  k: EventKeys,
  reference: Baseline,
  own: Baseline | undefined,
  baselineDays: number,
  out: Float64Array,
  offset = 0,
): void {
  const since = k.day - baselineDays;
  const enough = reference.hourTotal >= MIN_HOURS_EVIDENCE;
  out[offset + F.hour_unusual] = enough ? 1 - clamp01(hourShare(reference, k.hourOfWeek % 24) * 48) : 0;
  out[offset + F.weekday_unusual] = enough
    ? 1 - clamp01(weekdayShare(reference, Math.floor(k.hourOfWeek / 24)) * 14)
    : 0;
  out[offset + F.new_ip] = k.ip && !reference.ips.has(k.ip, since) ? 1 : 0;
  out[offset + F.new_ip_prefix] = k.prefix && !reference.prefixes.has(k.prefix, since) ? 1 : 0;
  out[offset + F.new_user_agent] = k.userAgent && !reference.userAgents.has(k.userAgent, since) ? 1 : 0;
  out[offset + F.new_action] = reference.actions.has(k.action, since) ? 0 : 1;
  out[offset + F.new_service] = reference.services.has(k.service, since) ? 0 : 1;
  out[offset + F.new_target] = reference.targets.has(k.target, since) ? 0 : 1;
  const w = windowStats(k, own);
  out[offset + F.iam_rate] = clamp01(Math.log2((w.iamChanges + 1) / (reference.iamPerHour() + 1)) / 5);
  out[offset + F.distinct_resources] = clamp01(
    Math.log2((w.distinctResources + 1) / (reference.distinctPerHour() + 1)) / 5,
  );
  const usualFail = reference.failureRate();
  out[offset + F.failure_share] = clamp01((w.failures + 2 * usualFail) / (w.calls + 2) - usualFail);
  out[offset + F.privileged] = k.privileged ? 1 : 0;
  const idleDays = idleBeforeDays(k, own);
  out[offset + F.dormancy] = idleDays > 7 ? clamp01(Math.log2(idleDays / 7) / Math.log2(60 / 7)) : 0;
}

/** A woken account stays "just woken" for its first day back: the attacker's second call counts too. */
export const WOKEN_HOLD_MS = DAY_MS;

/**
 * Days the actor was idle before this call: since its previous call, or, within WOKEN_HOLD_MS of
 * resuming after a dormant gap (baseline.ts), that gap.
 */
export function idleBeforeDays(k: EventKeys, own: Baseline | undefined): number {
  if (!own?.lastSeen) return 0;
  const gap = k.t - own.lastSeen;
  const held = own.wokeAt && k.t >= own.wokeAt && k.t - own.wokeAt < WOKEN_HOLD_MS ? own.idleBefore : 0;
  return Math.max(gap, held) / DAY_MS;
}
