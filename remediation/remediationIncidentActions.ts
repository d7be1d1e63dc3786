import { BasicIncidentActions, responderKey } from "../bot/basicIncidentActions";
import type { ChatChannel } from "../bot/chatChannel";
import type { ActionOutcome, IncidentActions, Responder } from "../bot/incidentActions";
import type { Incident, RemediationAction, StepResult } from "../detection/model";
import { appendAudit } from "../integrations/store/audit";
import type { Store } from "../integrations/store/store";
import { takeAutoBudget } from "./breaker";
import type { Executors } from "./executor";
import { proposeLeastPrivilege } from "./leastPrivilege/proposeChange";
import type { RemediationPolicy } from "./policy";
import { neverTouchHit, thresholdFor, twoPersonHit } from "./policy";
import { Runner, setState, updateIncident, withTimeline } from "./runner";

/**
 * IncidentActions backed by the remediation runner. Approve and Undo are decided with a
 * compare-and-set on the incident (and a claim for undo), so however many times a button is
 * pressed, on whichever replica, the plan runs once and is undone once. Dismiss, snooze and
 * assign are the plain incident changes of BasicIncidentActions.
 *
 * Guards, each re-checked at the moment of acting rather than trusted from the plan:
 * - only approvers (as verified by the chat layer) approve or undo;
 * - a plan with a two-person action needs two distinct approvers, and never runs by itself;
 * - never-touch principals and projects are skipped by the runner right before each step;
 * - automatic runs take budget from the blast-radius breaker; when it trips, automatic mode
 *   pauses for every replica and the channels are told;
 * - dry-run (the default) executes nothing and says what it would have done.
 */

export interface RemediationActionsDeps {
  store: Store;
  executors: Executors;
  policy: RemediationPolicy;
  channels: ChatChannel[];
  now?: () => Date;
}

const STARTABLE = ["open", "snoozed", "failed", "reverted"];

/** A run that has not finished in this long is taken to have died with its replica. */
export const STALE_RUN_MS = 10 * 60_000;

function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}

function fixesOf(inc: Incident): RemediationAction[] {
  return inc.plan?.actions.filter((a) => a.kind !== "notify") ?? [];
}

/** Approvals a plan needs under the policy as it is now (the plan may predate a stricter rule). */
export function approvalsNeeded(policy: RemediationPolicy, inc: Incident): number {
  const twoPerson = fixesOf(inc).some((a) => twoPersonHit(policy, a));
  return Math.max(inc.plan?.approvalsRequired ?? 1, twoPerson ? 2 : 1);
}

/** Why a plan may not run by itself now, or undefined when it may. */
export function autoBlocker(policy: RemediationPolicy, inc: Incident): string | undefined {
  const plan = inc.plan;
  const fixes = fixesOf(inc);
  if (!plan || !fixes.length) return "there is nothing to run";
  if (!policy.autoRemediate) return "automatic remediation is off";
  const playbooks = plan.playbook.split("+").filter(Boolean);
  const threshold = thresholdFor(policy, playbooks);
  if (inc.risk < threshold) return `risk ${inc.risk} is below the automatic threshold ${threshold}`;
  const two = fixes.find((a) => twoPersonHit(policy, a));
  if (two) return `"${two.description}" needs two approvers`;
  if (fixes.every((a) => neverTouchHit(policy, a))) return "every step is on the never-touch list";
  return undefined;
}

type Decision =
  | { kind: "refuse"; message: string }
  | { kind: "recorded"; message: string }
  | { kind: "dryRun"; message: string }
  | { kind: "run"; runId: string };

export class RemediationIncidentActions implements IncidentActions {
  readonly runner: Runner;
  private readonly basic: BasicIncidentActions;
  private readonly now: () => Date;

  constructor(private readonly deps: RemediationActionsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.runner = new Runner({
      store: deps.store,
      executors: deps.executors,
      policy: deps.policy,
      channels: deps.channels,
      now: this.now,
    });
    this.basic = new BasicIncidentActions(deps.store, this.now);
  }

  private get dryRun(): boolean {
    return this.deps.policy.mode === "dry-run";
  }

  private wouldLines(inc: Incident): string[] {
    return fixesOf(inc).map((a) => `Dry run: would ${lowerFirst(a.description)}`);
  }

  /**
   * Records an approval and, when the approvals are complete, moves the incident to
   * `remediating` in the same compare-and-set: the one caller whose write does that runs it.
   */
  async approve(incidentId: string, who: Responder): Promise<ActionOutcome> {
    if (!who.approver) return { ok: false, message: "Only configured approvers can approve a remediation." };
    const by = responderKey(who);
    const { store, policy } = this.deps;
    let decision: Decision = { kind: "refuse", message: "Incident not found" };
    const inc = await updateIncident(store, incidentId, (cur) => {
      const at = this.now().toISOString();
      const fixes = fixesOf(cur);
      if (!cur.plan || !fixes.length) {
        decision = { kind: "refuse", message: "There is no remediation to approve for this incident." };
        return undefined;
      }
      const stale =
        cur.state === "remediating" && Date.parse(at) - Date.parse(cur.stateChangedAt) > STALE_RUN_MS;
      if (cur.state === "remediating" && !stale) {
        decision = { kind: "refuse", message: "Remediation is already running; nothing more to do." };
        return undefined;
      }
      if (!STARTABLE.includes(cur.state) && !stale) {
        decision = { kind: "refuse", message: `The incident is ${cur.state}; nothing to approve.` };
        return undefined;
      }
      const required = approvalsNeeded(policy, cur);
      const already = cur.plan.approvals.some((a) => a.by === by);
      const approvals = already ? cur.plan.approvals : [...cur.plan.approvals, { by, at }];
      const given = new Set(approvals.map((a) => a.by)).size;
      if (given < required) {
        if (already) {
          decision = {
            kind: "refuse",
            message: `You already approved; it needs ${required - given} more approver(s), and the second must be someone else.`,
          };
          return undefined;
        }
        const message = `Approval ${given} of ${required} recorded; waiting for another approver.`;
        decision = { kind: "recorded", message };
        return withTimeline(
          { ...cur, plan: { ...cur.plan, approvals, approvalsRequired: required } },
          { at, by, what: "approved the remediation", detail: { display: who.display, outcome: message } },
        );
      }
      if (stale) {
        // The replica running it died half way: this press takes the run over. Steps already
        // done are skipped; the one in flight is re-read and re-applied (executors are idempotent).
        decision = { kind: "run", runId: at };
        return withTimeline(setState(cur, "remediating", at), {
          at,
          by,
          what: "resumed the remediation (the earlier run stopped answering)",
          detail: { display: who.display },
        });
      }
      if (this.dryRun) {
        if (already && cur.plan.steps.some((s) => s.status === "skipped")) {
          decision = { kind: "refuse", message: "Already approved in dry-run mode; nothing was executed." };
          return undefined;
        }
        const would = this.wouldLines(cur);
        const message = `${would.join("; ")}. Nothing was changed: remediation is in dry-run mode.`;
        decision = { kind: "dryRun", message };
        return withTimeline(
          {
            ...cur,
            plan: {
              ...cur.plan,
              approvals,
              approvalsRequired: required,
              steps: dryRunSteps(cur, would, at),
            },
          },
          { at, by, what: "approved the remediation", detail: { display: who.display, outcome: message } },
        );
      }
      decision = { kind: "run", runId: at };
      return withTimeline(
        setState(
          { ...cur, plan: { ...cur.plan, approvals, approvalsRequired: required } },
          "remediating",
          at,
        ),
        {
          at,
          by,
          what: cur.state === "failed" ? "retried the remediation" : "approved the remediation",
          detail: { display: who.display },
        },
      );
    });
    if (!inc) return { ok: false, message: "Incident not found" };
    const d = decision as Decision;
    if (d.kind === "refuse") return { ok: false, message: d.message, incident: inc };
    await appendAudit(store, {
      actor: by,
      action: "remediation.approve",
      incidentId,
      at: this.now().toISOString(),
      detail: {
        display: who.display,
        outcome: d.kind === "run" ? "running" : d.message,
        dryRun: d.kind === "dryRun",
      },
    });
    if (d.kind !== "run") {
      await this.runner.publish(inc);
      return { ok: true, message: d.message, incident: inc };
    }
    await this.runner.publish(inc);
    const out = await this.runner.execute(incidentId, by, d.runId);
    return { ok: out.ok, message: out.message, incident: out.incident };
  }

  /**
   * Runs a plan by itself when policy allows (auto mode, risk at or above the threshold, no
   * two-person step, breaker not tripped). Returns undefined when it did not start a run.
   */
  async autoRemediate(
    incidentId: string,
    opts: { resume?: boolean } = {},
  ): Promise<ActionOutcome | undefined> {
    const { store, policy } = this.deps;
    const current = (await store.get<Incident>("incidents", incidentId))?.data;
    if (current && opts.resume && isAutoRun(current)) return this.resumeAuto(current);
    if (!current || !["open", "snoozed"].includes(current.state)) return undefined;
    if (autoBlocker(policy, current)) return undefined;
    if (current.plan?.approvals.length) return undefined;

    if (this.dryRun) {
      let said: string | undefined;
      const inc = await updateIncident(store, incidentId, (cur) => {
        if (!cur.plan || cur.plan.steps.some((s) => s.status !== "pending")) return undefined;
        const at = this.now().toISOString();
        const would = this.wouldLines(cur);
        said = `${would.join("; ")}. Nothing was changed: remediation is in dry-run mode.`;
        return withTimeline(
          { ...cur, plan: { ...cur.plan, steps: dryRunSteps(cur, would, at) } },
          { at, by: "auto", what: "would remediate automatically", detail: { outcome: said } },
        );
      });
      if (!inc || !said) return undefined;
      await appendAudit(store, {
        actor: "auto",
        action: "remediation.auto",
        incidentId,
        at: this.now().toISOString(),
        detail: { dryRun: true, outcome: said },
      });
      await this.runner.publish(inc);
      return { ok: true, message: said, incident: inc };
    }

    // Claim the run first (one replica wins), then book the breaker budget.
    let runId: string | undefined;
    const claimed = await updateIncident(store, incidentId, (cur) => {
      if (!["open", "snoozed"].includes(cur.state) || autoBlocker(policy, cur) || cur.plan?.approvals.length)
        return undefined;
      const at = this.now().toISOString();
      runId = at;
      return withTimeline(setState(cur, "remediating", at), {
        at,
        by: "auto",
        what: "started automatic remediation",
        detail: { risk: cur.risk },
      });
    });
    if (!claimed || !runId) return undefined;
    const steps = fixesOf(claimed).length;
    const budget = await takeAutoBudget(store, policy.breakerMaxAutoPerHour, steps, this.now());
    if (!budget.ok) {
      const at = this.now().toISOString();
      const back = await updateIncident(store, incidentId, (cur) =>
        cur.state === "remediating"
          ? withTimeline(
              { ...cur, state: "open", stateChangedAt: at, updatedAt: at },
              {
                at,
                by: "auto",
                what: "did not remediate automatically",
                detail: { outcome: `Paused: ${budget.reason}. An approver can still press Approve.` },
              },
            )
          : undefined,
      );
      await appendAudit(store, {
        actor: "auto",
        action: "remediation.breaker.refused",
        incidentId,
        at: this.now().toISOString(),
        detail: { reason: budget.reason, justTripped: budget.justTripped },
      });
      if (budget.justTripped) {
        await this.runner.notify(
          `Automatic remediation paused: ${budget.reason}. Approvers can still remediate by hand; a person must reset the breaker to resume automatic mode.`,
        );
      }
      if (back) await this.runner.publish(back);
      return {
        ok: false,
        message: `Automatic remediation paused: ${budget.reason}`,
        incident: back ?? claimed,
      };
    }
    await appendAudit(store, {
      actor: "auto",
      action: "remediation.auto",
      incidentId,
      at: this.now().toISOString(),
      detail: { risk: claimed.risk, steps },
    });
    await this.runner.publish(claimed);
    const out = await this.runner.execute(incidentId, "auto", runId);
    return { ok: out.ok, message: out.message, incident: out.incident };
  }

  /**
   * Takes over an automatic run whose worker died half way (its inbox record is replayed): the
   * steps already recorded are skipped, the one in flight is re-read and re-applied (executors
   * are idempotent, so a change Google or AWS already made is not made twice). The breaker
   * budget was booked when the run started.
   */
  private async resumeAuto(stuck: Incident): Promise<ActionOutcome | undefined> {
    let runId: string | undefined;
    const claimed = await updateIncident(this.deps.store, stuck.id, (cur) => {
      if (!isAutoRun(cur) || cur.stateChangedAt !== stuck.stateChangedAt) return undefined;
      const at = this.now().toISOString();
      runId = at;
      return withTimeline(setState(cur, "remediating", at), {
        at,
        by: "auto",
        what: "resumed automatic remediation (the earlier run stopped half way)",
      });
    });
    if (!claimed || !runId) return undefined;
    await appendAudit(this.deps.store, {
      actor: "auto",
      action: "remediation.auto.resumed",
      incidentId: stuck.id,
      at: this.now().toISOString(),
      detail: { interruptedRun: stuck.stateChangedAt },
    });
    await this.runner.publish(claimed);
    const out = await this.runner.execute(stuck.id, "auto", runId);
    return { ok: out.ok, message: out.message, incident: out.incident };
  }

  async undo(incidentId: string, who: Responder): Promise<ActionOutcome> {
    if (!who.approver) return { ok: false, message: "Only configured approvers can undo a remediation." };
    const by = responderKey(who);
    const { store } = this.deps;
    const inc = (await store.get<Incident>("incidents", incidentId))?.data;
    if (!inc) return { ok: false, message: "Incident not found" };
    if (inc.state !== "remediated") {
      return { ok: false, message: `Nothing to undo: the incident is ${inc.state}.`, incident: inc };
    }
    // One undo per remediation, across replicas and presses; freed again if it stops half way.
    const claimId = `undo.${incidentId}.${inc.stateChangedAt.replace(/[^0-9A-Za-z]/g, "")}`;
    const at = this.now().toISOString();
    if (!(await store.create("claims", claimId, { incidentId, by, at }))) {
      return { ok: false, message: "Undo is already under way; nothing more to do.", incident: inc };
    }
    await appendAudit(store, {
      actor: by,
      action: "remediation.undo",
      incidentId,
      at,
      detail: { display: who.display },
    });
    const out = await this.runner.undo(incidentId, by);
    if (!out.ok) await store.delete("claims", claimId);
    return { ok: out.ok, message: out.message, incident: out.incident };
  }

  async proposeLeastPrivilege(principal: string, who: Responder): Promise<ActionOutcome> {
    const by = responderKey(who);
    const out = await proposeLeastPrivilege(this.deps.store, principal, {
      by,
      now: this.now(),
      dryRun: this.dryRun,
      canExecute: (kind) => Boolean((this.deps.executors as Record<string, unknown>)[kind]),
    });
    if (out.problem) return { ok: false, message: out.problem };
    for (const inc of out.opened) {
      await appendAudit(this.deps.store, {
        actor: by,
        action: "leastPrivilege.propose",
        incidentId: inc.id,
        at: this.now().toISOString(),
        detail: { display: who.display, principal, change: inc.plan?.actions.map((a) => a.description) },
      });
      await this.runner.publish(inc);
    }
    const all = [...out.opened, ...out.existing];
    const ids = all.map((i) => i.id).join(", ");
    const message = out.opened.length
      ? `Opened ${out.opened.length === 1 ? "a change" : `${out.opened.length} changes`} for approval (${ids}); the card is in the incident channel.`
      : `This change is already open for approval (${ids}).`;
    return { ok: true, message, incident: all[0] };
  }

  dismiss(incidentId: string, who: Responder, reason: string, suppress: boolean): Promise<ActionOutcome> {
    return this.basic.dismiss(incidentId, who, reason, suppress);
  }

  snooze(incidentId: string, who: Responder, hours: number): Promise<ActionOutcome> {
    return this.basic.snooze(incidentId, who, hours);
  }

  assign(incidentId: string, who: Responder): Promise<ActionOutcome> {
    return this.basic.assign(incidentId, who);
  }
}

/** A run started by automatic mode (no approvals) that is still marked as running. */
function isAutoRun(inc: Incident): boolean {
  return inc.state === "remediating" && Boolean(inc.plan) && inc.plan?.approvals.length === 0;
}

function dryRunSteps(inc: Incident, would: string[], at: string): StepResult[] {
  return fixesOf(inc).map((a, i) => ({
    idempotencyKey: a.idempotencyKey,
    status: "skipped",
    message: would[i],
    at,
  }));
}
