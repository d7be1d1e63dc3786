import { createHash } from "node:crypto";
import type { Incident, IncidentState, Suppression, TimelineEntry } from "../detection/model";
import { appendAudit } from "../integrations/store/audit";
import { mutate, type Store } from "../integrations/store/store";
import type { ActionOutcome, IncidentActions, Responder } from "./incidentActions";
import { personLabel } from "./views/format";
import { approvalStatus } from "./views/incidentCard";

/** The principal string recorded in timelines, audit and assignee ("slack:U123"). */
export function responderKey(who: Responder): string {
  return who.platform === "auto" ? "auto" : `${who.platform}:${who.id}`;
}

function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}

const ACTIVE: IncidentState[] = ["open", "snoozed", "failed"];

interface Change {
  next: Incident;
  outcome: string;
  audit: string;
  detail?: Record<string, unknown>;
}

/**
 * IncidentActions for installs without remediation configured (and the chat layer's tests):
 * dismiss, snooze and assign change the incident for real; approve and undo record who
 * approved in the plan and the timeline but execute nothing ("Dry run: would …").
 *
 * Every change is a compare-and-set (`mutate`), so two replicas or two responders pressing at
 * once change the incident once; a press that changes nothing says why and leaves no trace
 * beyond the chat layer's own audit of the press.
 */
export class BasicIncidentActions implements IncidentActions {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async change(
    incidentId: string,
    who: Responder,
    decide: (incident: Incident, at: string, by: string) => Change | string,
  ): Promise<ActionOutcome> {
    const by = responderKey(who);
    let result: Change | string = "Incident not found";
    const doc = await mutate<Incident>(this.store, "incidents", incidentId, (current) => {
      if (!current) {
        result = "Incident not found";
        return undefined;
      }
      const at = this.now().toISOString();
      result = decide(current, at, by);
      if (typeof result === "string") return undefined;
      return { ...result.next, updatedAt: at };
    });
    if (typeof result === "string") {
      return { ok: false, message: result, incident: doc?.data };
    }
    const done: Change = result;
    await appendAudit(this.store, {
      actor: by,
      action: done.audit,
      incidentId,
      detail: { outcome: done.outcome, display: who.display, ...done.detail },
    });
    return { ok: true, message: done.outcome, incident: doc?.data };
  }

  private entry(
    at: string,
    by: string,
    who: Responder,
    what: string,
    outcome: string,
    extra = {},
  ): TimelineEntry {
    return { at, by, what, detail: { display: who.display, outcome, ...extra } };
  }

  approve(incidentId: string, who: Responder): Promise<ActionOutcome> {
    if (!who.approver) return this.refuse("Only configured approvers can approve a remediation.");
    return this.change(incidentId, who, (inc, at, by) => {
      const plan = inc.plan;
      const fixes = plan?.actions.filter((a) => a.kind !== "notify") ?? [];
      if (!plan || fixes.length === 0) return "There is no remediation to approve for this incident.";
      const status = approvalStatus(inc);
      if (status.complete || !ACTIVE.includes(inc.state)) {
        const first = plan.approvals[0];
        return first
          ? `Already approved by ${personLabel(first.by)}; nothing more to do.`
          : `The incident is ${inc.state}; nothing to approve.`;
      }
      if (plan.approvals.some((a) => a.by === by)) {
        return `You already approved; it needs ${status.required - status.given} more approver(s).`;
      }
      const approvals = [...plan.approvals, { by, at }];
      const complete = new Set(approvals.map((a) => a.by)).size >= plan.approvalsRequired;
      if (!complete) {
        const outcome = `Approval ${approvals.length} of ${plan.approvalsRequired} recorded; waiting for another approver.`;
        return {
          next: {
            ...inc,
            plan: { ...plan, approvals },
            timeline: [...inc.timeline, this.entry(at, by, who, "approved the remediation", outcome)],
          },
          outcome,
          audit: "approve",
        };
      }
      const would = fixes.map((a) => `Dry run: would ${lowerFirst(a.description)}`);
      const outcome = `${would.join("; ")}. Nothing was changed: remediation is not configured.`;
      return {
        next: {
          ...inc,
          plan: {
            ...plan,
            approvals,
            steps: fixes.map((a, i) => ({
              idempotencyKey: a.idempotencyKey,
              status: "skipped",
              message: would[i],
              at,
            })),
          },
          timeline: [...inc.timeline, this.entry(at, by, who, "approved the remediation", outcome)],
        },
        outcome,
        audit: "approve",
        detail: { dryRun: true },
      };
    });
  }

  undo(incidentId: string, who: Responder): Promise<ActionOutcome> {
    if (!who.approver) return this.refuse("Only configured approvers can undo a remediation.");
    return this.change(incidentId, who, (inc, at, by) => {
      if (inc.state !== "remediated") return `Nothing to undo: the incident is ${inc.state}.`;
      if (
        inc.timeline.some((e) => e.what === "asked to undo the remediation" && e.at >= inc.stateChangedAt)
      ) {
        return "Undo was already requested; nothing more to do.";
      }
      const fixes = inc.plan?.actions.filter((a) => a.kind !== "notify") ?? [];
      const outcome = `Dry run: would undo ${fixes.map((a) => lowerFirst(a.description)).join("; ")}. Nothing was changed: remediation is not configured.`;
      return {
        next: {
          ...inc,
          timeline: [...inc.timeline, this.entry(at, by, who, "asked to undo the remediation", outcome)],
        },
        outcome,
        audit: "undo",
        detail: { dryRun: true },
      };
    });
  }

  async dismiss(
    incidentId: string,
    who: Responder,
    reason: string,
    suppress: boolean,
  ): Promise<ActionOutcome> {
    const clean = reason.trim().slice(0, 500);
    if (!clean) return { ok: false, message: "A reason is needed to dismiss an incident." };
    const out = await this.change(incidentId, who, (inc, at, by) => {
      if (!ACTIVE.includes(inc.state)) return `Already ${inc.state}; nothing to dismiss.`;
      const outcome = `Dismissed as a false positive: ${clean}${suppress ? " (added to the suppression list)" : ""}`;
      return {
        next: {
          ...inc,
          state: "dismissed",
          stateChangedAt: at,
          dismissReason: clean,
          snoozedUntil: undefined,
          timeline: [
            ...inc.timeline,
            this.entry(at, by, who, "dismissed it as a false positive", outcome, { reason: clean }),
          ],
        },
        outcome,
        audit: "dismiss",
        detail: { reason: clean, suppress },
      };
    });
    if (out.ok && suppress && out.incident) await this.suppress(out.incident, who, clean);
    return out;
  }

  /** One suppression per detector of the incident, for its actor and project. */
  private async suppress(inc: Incident, who: Responder, reason: string): Promise<void> {
    const by = responderKey(who);
    const detectors = [...new Set(inc.findings.map((f) => f.detector))];
    for (const detector of detectors) {
      const id = createHash("sha256")
        .update(`${detector}|${inc.actor.id}|${inc.target.project ?? ""}`)
        .digest("hex")
        .slice(0, 24);
      const s: Suppression = {
        id,
        principal: inc.actor.id,
        project: inc.target.project,
        detector,
        effect: "silence",
        points: 30,
        reason: `Dismissed ${inc.id}: ${reason}`,
        createdBy: by,
        createdAt: this.now().toISOString(),
      };
      if (await this.store.create("suppressions", id, s)) {
        await appendAudit(this.store, {
          actor: by,
          action: "suppress",
          incidentId: inc.id,
          detail: { ...s },
        });
      }
    }
  }

  snooze(incidentId: string, who: Responder, hours: number): Promise<ActionOutcome> {
    return this.change(incidentId, who, (inc, at, by) => {
      if (inc.state !== "open" && inc.state !== "snoozed")
        return `The incident is ${inc.state}; it cannot be snoozed.`;
      const until = new Date(Date.parse(at) + hours * 3600_000).toISOString();
      const outcome = `Snoozed for ${hours} h`;
      return {
        next: {
          ...inc,
          state: "snoozed",
          stateChangedAt: at,
          snoozedUntil: until,
          timeline: [
            ...inc.timeline,
            this.entry(at, by, who, `snoozed it for ${hours} h`, outcome, { until }),
          ],
        },
        outcome,
        audit: "snooze",
        detail: { hours, until },
      };
    });
  }

  assign(incidentId: string, who: Responder): Promise<ActionOutcome> {
    return this.change(incidentId, who, (inc, at, by) => {
      if (inc.assignee === by) return "It is already assigned to you.";
      const outcome = `Assigned to ${personLabel(by, who.display)}`;
      return {
        next: {
          ...inc,
          assignee: by,
          timeline: [...inc.timeline, this.entry(at, by, who, "took it", outcome)],
        },
        outcome,
        audit: "assign",
      };
    });
  }

  private async refuse(message: string): Promise<ActionOutcome> {
    return { ok: false, message };
  }
}
