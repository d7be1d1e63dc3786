import type { Incident, TimelineEntry } from "../../detection/model";
import { ago, categoryLabel, personLabel, plural, sourceLabel, utcMinute } from "./format";
import { BAND_LABEL, bandOf } from "./riskBand";
import type { Field, View, ViewAction } from "./view";

export interface IncidentCardOptions {
  /** Signed link to the incident page (Details button). */
  detailsUrl?: string;
  now?: Date;
}

const STATE_LABEL: Record<Incident["state"], string> = {
  open: "Open",
  remediating: "Remediating…",
  remediated: "Remediated",
  failed: "Remediation failed",
  dismissed: "Dismissed",
  snoozed: "Snoozed",
  reverted: "Reverted (undone)",
};

/** Approvals given so far, and whether the plan still needs one. */
export function approvalStatus(incident: Incident): { given: number; required: number; complete: boolean } {
  const plan = incident.plan;
  if (!plan) return { given: 0, required: 0, complete: false };
  const given = new Set(plan.approvals.map((a) => a.by)).size;
  return { given, required: plan.approvalsRequired, complete: given >= plan.approvalsRequired };
}

function canRemediate(incident: Incident): boolean {
  const actions = incident.plan?.actions.filter((a) => a.kind !== "notify") ?? [];
  return actions.length > 0 && ["open", "snoozed", "failed"].includes(incident.state);
}

function lastPress(incident: Incident): TimelineEntry | undefined {
  return [...incident.timeline].reverse().find((e) => e.by !== "system");
}

function timelineLine(e: TimelineEntry, now: Date): string {
  const outcome = typeof e.detail?.outcome === "string" ? ` — ${e.detail.outcome}` : "";
  return `${personLabel(e.by, e.detail?.display)} ${e.what}${outcome} (${ago(e.at, now)})`;
}

/** One line per timeline entry, as the thread under the card carries them. */
export function timelineText(e: TimelineEntry, now = new Date()): string {
  return timelineLine(e, now);
}

/**
 * The incident card: who did what to what, where and when; why it is risky (top factors
 * with their points); the proposed fix and whether it runs by itself; what responders may
 * press now. Reads like a page on a phone: short lines, label/value fields.
 */
export function incidentCardView(incident: Incident, opts: IncidentCardOptions = {}): View {
  const now = opts.now ?? new Date();
  const band = bandOf(incident.risk);
  const score = Math.round(incident.risk);
  const where = [sourceLabel(incident.source), incident.target.project, incident.target.region]
    .filter(Boolean)
    .join(" · ");
  const first = incident.findings[0];
  const fields: Field[] = [
    { label: "Who", value: `${incident.actor.display} (${incident.actor.kind})` },
    { label: "Did", value: first ? first.summary : categoryLabel(incident.category) },
    { label: "To", value: `${incident.target.kind} ${incident.target.id}` },
    { label: "Where", value: where },
    { label: "When", value: utcMinute(incident.lastSeen), at: incident.lastSeen },
    { label: "Status", value: STATE_LABEL[incident.state] },
  ];
  if (incident.assignee) {
    const took = incident.timeline.find((e) => e.by === incident.assignee && e.detail?.display);
    fields.push({ label: "Assigned to", value: personLabel(incident.assignee, took?.detail?.display) });
  }
  if (incident.state === "snoozed" && incident.snoozedUntil) {
    fields.push({
      label: "Snoozed until",
      value: utcMinute(incident.snoozedUntil),
      at: incident.snoozedUntil,
    });
  }

  const sections: View["sections"] = [];
  const factors = [...incident.factors].sort((a, b) => b.points - a.points).slice(0, 5);
  const why = factors.map((f) => `${f.points >= 0 ? "+" : ""}${f.points} ${f.name}: ${f.why}`);
  for (const r of incident.anomalyReasons.slice(0, 3)) why.push(`Unusual: ${r}`);
  if (incident.findings.length > 1) why.push(`${plural(incident.findings.length, "finding")} grouped here`);
  sections.push({ heading: "Why it is risky", lines: why.length ? why : ["No risk factors recorded"] });

  const plan = incident.plan;
  const facts: string[] = [];
  const fixes = plan?.actions.filter((a) => a.kind !== "notify") ?? [];
  if (plan && fixes.length) {
    sections.push({ heading: "Proposed fix", lines: fixes.map((a) => a.description) });
    const ap = approvalStatus(incident);
    if (plan.auto) facts.push("Runs by itself (risk above the auto threshold)");
    else facts.push(`Needs approval (${ap.given} of ${ap.required})`);
    if (plan.dryRun) facts.push("Dry run: nothing will be changed");
    for (const n of plan.notes.slice(0, 3)) facts.push(n);
  } else {
    facts.push("No automatic fix for this one: review it by hand");
  }

  const press = lastPress(incident);
  if (press) sections.push({ heading: "Latest", lines: [timelineLine(press, now)] });

  const actions: ViewAction[] = [];
  const id = incident.id;
  if (canRemediate(incident) && !approvalStatus(incident).complete) {
    actions.push({
      id: "approve",
      label: "Approve remediation",
      style: "primary",
      value: id,
      confirm: {
        title: "Approve remediation?",
        text: `This will change:\n${fixes.map((a) => `• ${a.description}`).join("\n")}`,
        confirm: "Approve",
        deny: "Cancel",
      },
    });
  }
  if (["open", "snoozed", "failed"].includes(incident.state)) {
    actions.push({ id: "dismiss", label: "Dismiss as false positive", value: id });
    actions.push({ id: "snooze_1h", label: "Snooze 1 h", value: id });
    actions.push({ id: "snooze_24h", label: "Snooze 24 h", value: id });
    actions.push({ id: "assign", label: "Assign to me", value: id });
  }
  if (incident.state === "remediated") {
    const undone = fixes.map((a) => `• ${a.description}`).join("\n");
    actions.push({
      id: "undo",
      label: "Undo",
      style: "danger",
      value: id,
      confirm: {
        title: "Undo the remediation?",
        text: `This restores what was there before:\n${undone}`,
        confirm: "Undo",
        deny: "Cancel",
      },
    });
  }
  if (opts.detailsUrl) actions.push({ id: "details", label: "Details", value: id, url: opts.detailsUrl });

  const badgeLabel = `${BAND_LABEL[band]} risk · ${score}/100`;
  return {
    kind: "incident",
    title: incident.title,
    badge: { band, score, label: badgeLabel },
    fields,
    sections,
    facts,
    actions,
    footer: `Incident ${id} · ${categoryLabel(incident.category)} · first seen ${utcMinute(incident.firstSeen)}`,
    fallback: `${badgeLabel}: ${incident.title} (${incident.actor.display})`,
  };
}
