import type { IamEvent } from "../model";
import type { AnomalyModel } from "./anomalyModel";
import type { Baseline } from "./baseline";
import { DORMANT_GAP_MS } from "./baseline";
import type { EventKeys } from "./eventKeys";
import { eventKeys, shortAction } from "./eventKeys";
import type { FeatureName } from "./features";
import {
  extractFeatures,
  FEATURE_NAMES,
  hourShare,
  idleBeforeDays,
  N_FEATURES,
  weekdayShare,
  windowStats,
} from "./features";

/**
 * Scores one event against a baseline with a trained model, and says why in words.
 *
 * Attribution: for every feature that is not at its usual value (0), the event is rescored
 * with that feature set to usual; the drop in raw forest score is that feature's
 * contribution. Features are ranked by contribution and the top ones become the reasons
 * ("first SetIamPolicy ever by this actor; new network 198.51.100.0/24; 03:12 UTC, outside
 * usual hours"). Only non-zero features are rescored, so ordinary events cost one scoring.
 */

export interface ScoreOptions {
  /** The actor's own baseline when `baseline` is its peer group's (cold start): recent window, last call. */
  own?: Baseline;
  /** Days a baseline remembers (ANOMALY_BASELINE_DAYS). */
  baselineDays?: number;
  /** Exponent applied as 1 − (1 − s)^weight: > 1 makes deviations count more (machine identities), < 1 less (joiners). */
  weight?: number;
  /** Extra context lines appended to the reasons when the score is notable. */
  notes?: string[];
  /** At most this many feature reasons (default 4). */
  maxReasons?: number;
}

export interface FeatureContribution {
  feature: FeatureName;
  value: number;
  /** Raw score drop if this feature had been usual. */
  contribution: number;
  reason: string;
}

export interface AnomalyResult {
  /** 0..1, calibrated and weighted; compare with ANOMALY_INCIDENT_THRESHOLD. */
  score: number;
  /** The forest's own score s(x) = 2^(−E[h]/c(ψ)). */
  rawScore: number;
  reasons: string[];
  features: Record<FeatureName, number>;
  contributions: FeatureContribution[];
  /** "self" or "peer:<group>". */
  comparedWith: string;
  modelVersion: number;
}

/** Below this contribution a feature is not worth a reason. */
const MIN_CONTRIBUTION = 0.005;

/** Machine identities are regular: the same deviation weighs more (weight 1.5). */
export const SERVICE_ACCOUNT_WEIGHT = 1.5;

export function scoreEvent(
  event: IamEvent,
  baseline: Baseline,
  model: AnomalyModel,
  options: ScoreOptions = {},
): AnomalyResult {
  const k = eventKeys(event);
  const own = baseline.scope === "actor" ? baseline : options.own;
  const baselineDays = options.baselineDays ?? model.trainingWindow.baselineDays;
  const x = new Float64Array(N_FEATURES);
  extractFeatures(k, baseline, own, baselineDays, x);
  return scoreFeatures(x, k, event, baseline, own, model, { ...options, baselineDays });
}

/** The scoring half of scoreEvent, for callers that extracted the features already. */
export function scoreFeatures(
  x: Float64Array,
  k: EventKeys,
  event: IamEvent,
  reference: Baseline,
  own: Baseline | undefined,
  model: AnomalyModel,
  options: ScoreOptions & { baselineDays: number },
): AnomalyResult {
  const forest = model.forest;
  const raw = forest.score(x);
  const contributions: FeatureContribution[] = [];
  const probe = new Float64Array(x);
  for (let f = 0; f < N_FEATURES; f++) {
    if (x[f] === 0) continue;
    probe[f] = 0;
    const drop = raw - forest.score(probe);
    probe[f] = x[f];
    contributions.push({
      feature: FEATURE_NAMES[f],
      value: x[f],
      contribution: drop,
      reason: "",
    });
  }
  contributions.sort((a, b) => b.contribution - a.contribution || b.value - a.value);
  const weight = options.weight ?? (reference.actorClass === "serviceAccount" ? SERVICE_ACCOUNT_WEIGHT : 1);
  const calibrated = model.calibrate(raw);
  const score = 1 - (1 - calibrated) ** weight;
  const reasons: string[] = [];
  const max = options.maxReasons ?? 4;
  for (const c of contributions) {
    c.reason = describe(c.feature, c.value, k, event, reference, own, options.baselineDays);
    if (reasons.length < max && c.contribution >= MIN_CONTRIBUTION) reasons.push(c.reason);
  }
  if (reasons.length && score >= 0.5) {
    if (reference.scope === "peer")
      reasons.push(`compared with peer group ${reference.key} (little own history)`);
    if (weight > 1) reasons.push("machine identity: deviations from its regular pattern weigh more");
    if (options.notes) reasons.push(...options.notes);
  }
  const features = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, x[i]])) as Record<FeatureName, number>;
  return {
    score,
    rawScore: raw,
    reasons,
    features,
    contributions,
    comparedWith: reference.scope === "actor" ? "self" : `peer:${reference.key}`,
    modelVersion: model.version,
  };
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** The baseline's usual hours as "08:00–18:00 UTC": the run of usual hours around the busiest. */
export function usualHours(b: Baseline): string | undefined {
  const usual = Array.from({ length: 24 }, (_, h) => hourShare(b, h) * 48 >= 1);
  if (usual.every(Boolean) || !usual.some(Boolean)) return undefined;
  let peak = 0;
  for (let h = 1; h < 24; h++) if (hourShare(b, h) > hourShare(b, peak)) peak = h;
  let start = peak;
  while (usual[(start + 23) % 24] && (start + 23) % 24 !== peak) start = (start + 23) % 24;
  let end = peak;
  while (usual[(end + 1) % 24] && (end + 1) % 24 !== start) end = (end + 1) % 24;
  return `${pad2(start)}:00–${pad2((end + 1) % 24)}:00 UTC`;
}

function describe(
  f: FeatureName,
  value: number,
  k: EventKeys,
  event: IamEvent,
  b: Baseline,
  own: Baseline | undefined,
  baselineDays: number,
): string {
  const who = b.scope === "actor" ? "by this actor" : `in peer group ${b.key}`;
  const ever = (known: boolean) => (known ? `in ${baselineDays} days` : "ever");
  const d = new Date(k.t);
  switch (f) {
    case "hour_unusual": {
      const usual = usualHours(b);
      return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC, outside usual hours${usual ? ` (usually ${usual})` : ""}`;
    }
    case "weekday_unusual":
      return `on a ${WEEKDAYS[d.getUTCDay()]}, a day ${b.scope === "actor" ? "this actor" : "this peer group"} is rarely active (${Math.round(weekdayShare(b, d.getUTCDay()) * 100)}% of calls)`;
    case "new_ip":
      return `new source IP ${k.ip}${k.prefix && b.prefixes.map.has(k.prefix) ? " in a known network" : ""}`;
    case "new_ip_prefix":
      return `new IP prefix ${k.prefix} (first use ${ever(b.prefixes.map.has(k.prefix ?? ""))} ${who})`;
    case "new_user_agent":
      return `new user agent "${truncate(event.userAgent ?? "", 60)}"`;
    case "new_action":
      return `first ${shortAction(k.action)} ${ever(b.actions.map.has(k.action))} ${who}`;
    case "new_service":
      return `first call to ${k.service} ${ever(b.services.map.has(k.service))} ${who}`;
    case "new_target":
      return `first activity in ${k.target} ${ever(b.targets.map.has(k.target))} ${who}`;
    case "iam_rate": {
      const w = windowStats(k, own);
      return `${w.iamChanges} IAM changes in the last hour (usually ${b.iamPerHour().toFixed(1)} per active hour)`;
    }
    case "distinct_resources": {
      const w = windowStats(k, own);
      return `${w.distinctResources} distinct resources touched in the last hour (usually ${b.distinctPerHour().toFixed(1)})`;
    }
    case "failure_share": {
      const w = windowStats(k, own);
      return `${w.failures} of ${w.calls} calls failed in the last hour (usually ${Math.round(b.failureRate() * 100)}%)`;
    }
    case "privileged":
      return `privileged action ${shortAction(k.action)}`;
    case "dormancy": {
      const days = Math.floor(idleBeforeDays(k, own));
      const first = own?.lastSeen !== undefined && k.t - own.lastSeen > DORMANT_GAP_MS;
      return first ? `first activity after ${days} days idle` : `first day back after ${days} days idle`;
    }
  }
  return `${f} = ${value.toFixed(2)}`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
