import { createHash } from "node:crypto";
import type { Finding, IamEvent, Identity, Incident } from "./model";
import { SEVERITY_RANK } from "./model";
import type { RiskInput, RiskWeights } from "./risk";
import { scoreRisk } from "./risk";

/**
 * Grouping (pure): findings about the same actor and target within a time window join one
 * incident. The incident id is derived from (actor, target, window bucket), so two replicas,
 * or one replica replaying after a crash, land on the same incident; a finding already on the
 * incident (same deterministic id) is never added twice.
 */

export function groupKey(event: IamEvent): string {
  return `${event.actor.id}|${event.target.id}`;
}

export function incidentIdFor(event: IamEvent, windowMs: number): string {
  const bucket = Math.floor(Date.parse(event.time) / windowMs);
  return `inc-${createHash("sha256")
    .update(`${groupKey(event)}\u0000${bucket}`)
    .digest("hex")
    .slice(0, 20)}`;
}

export interface MergeInput {
  event: IamEvent;
  findings: Finding[];
  anomalyScore?: number;
  anomalyReasons?: string[];
  lowered?: { points: number; why: string }[];
  identity?: Identity;
  igaConnected?: boolean;
  approvedChange?: boolean;
  productionPatterns?: string[];
  weights?: RiskWeights;
  now: Date;
}

function strongest(findings: Finding[]): Finding {
  return findings.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
}

/**
 * Returns the incident with the new findings merged and the risk recomputed, or undefined
 * when nothing new was learned (every finding already there): the caller then writes nothing.
 */
export function mergeIntoIncident(current: Incident | null, id: string, m: MergeInput): Incident | undefined {
  const known = new Set(current?.findings.map((f) => f.id) ?? []);
  const fresh = m.findings.filter((f) => !known.has(f.id));
  if (current && fresh.length === 0) return undefined;
  if (!current && fresh.length === 0) return undefined;
  const at = m.now.toISOString();
  const findings = [...(current?.findings ?? []), ...fresh];
  const eventId = `${m.event.source}:${m.event.id}`;
  const eventIds = current?.eventIds.includes(eventId)
    ? current.eventIds
    : [...(current?.eventIds ?? []), eventId];
  const anomalyScore = Math.max(current?.anomalyScore ?? 0, m.anomalyScore ?? 0);
  const anomalyReasons =
    (m.anomalyScore ?? 0) >= (current?.anomalyScore ?? 0) && m.anomalyReasons?.length
      ? m.anomalyReasons
      : (current?.anomalyReasons ?? []);
  const loweredBy = dedupeBy([...(current?.loweredBy ?? []), ...(m.lowered ?? [])], (l) => l.why);
  const riskInput: RiskInput = {
    findings,
    anomalyScore,
    anomalyReasons,
    identity: m.identity,
    igaConnected: m.igaConnected,
    approvedChange: m.approvedChange,
    target: current?.target ?? m.event.target,
    productionPatterns: m.productionPatterns,
    suppressions: loweredBy,
    now: m.now,
  };
  const { risk, factors } = scoreRisk(riskInput, m.weights);
  const top = strongest(findings);
  const firstSeen = current && current.firstSeen < m.event.time ? current.firstSeen : m.event.time;
  const lastSeen = current && current.lastSeen > m.event.time ? current.lastSeen : m.event.time;
  // The threat came back after it was remediated (the grant re-added, the key re-created):
  // the incident opens again and is planned afresh rather than staying "remediated".
  const recurred =
    current?.state === "remediated" && Date.parse(m.event.time) > Date.parse(current.stateChangedAt);
  const timeline = [
    ...(current?.timeline ?? []),
    ...(recurred
      ? [{ at, by: "system", what: `Reopened: seen again at ${m.event.time}, after the remediation` }]
      : []),
    ...fresh.map((f) => ({
      at,
      by: "system",
      what: `detected: ${f.summary}`,
      detail: { detector: f.detector, eventId },
    })),
  ];
  return {
    id,
    groupKey: groupKey(m.event),
    title: top.summary,
    actor: current?.actor ?? m.event.actor,
    target: current?.target ?? m.event.target,
    source: current?.source ?? m.event.source,
    category: top.category,
    severity: top.severity,
    findings,
    eventIds,
    firstSeen,
    lastSeen,
    risk,
    factors,
    anomalyScore,
    anomalyReasons,
    loweredBy,
    state: recurred ? "open" : (current?.state ?? "open"),
    stateChangedAt: recurred ? at : (current?.stateChangedAt ?? at),
    assignee: current?.assignee,
    snoozedUntil: current?.snoozedUntil,
    dismissReason: current?.dismissReason,
    plan: recurred ? undefined : current?.plan,
    timeline,
    chat: current?.chat ?? {},
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
  };
}

function dedupeBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const k = key(i);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
