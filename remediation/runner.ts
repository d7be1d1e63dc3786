import type { ChatChannel } from "../bot/chatChannel";
import type {
  Incident,
  IncidentState,
  RemediationAction,
  StepResult,
  TimelineEntry,
} from "../detection/model";
import { INCIDENT_TRANSITIONS } from "../detection/model";
import { appendAudit } from "../integrations/store/audit";
import type { Store } from "../integrations/store/store";
import { mutate } from "../integrations/store/store";
import { RemediationError } from "./errors";
import type { Executors } from "./executor";
import type { RemediationPolicy } from "./policy";
import { neverTouchHit } from "./policy";

/**
 * Runs a plan's steps in order and undoes them in reverse. Each step is claimed in the store
 * (create-if-absent) before it runs, so two replicas or two presses never execute one step
 * twice; each result (with the before-state undo needs) is written to the incident right
 * away, so a plan that stops half way shows which steps ran and a retry resumes from there.
 */

export interface RunnerDeps {
  store: Store;
  executors: Executors;
  policy: RemediationPolicy;
  channels: ChatChannel[];
  now: () => Date;
}

export interface RunResult {
  incident: Incident;
  ok: boolean;
  message: string;
}

/** Compare-and-set update of one incident; `fn` returns undefined to leave it alone. */
export async function updateIncident(
  store: Store,
  id: string,
  fn: (inc: Incident) => Incident | undefined,
): Promise<Incident | null> {
  const doc = await mutate<Incident>(store, "incidents", id, (cur) =>
    cur ? fn(structuredClone(cur)) : undefined,
  );
  return doc?.data ?? null;
}

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return INCIDENT_TRANSITIONS[from]?.includes(to) ?? false;
}

export function withTimeline(inc: Incident, entry: TimelineEntry): Incident {
  return { ...inc, timeline: [...inc.timeline, entry], updatedAt: entry.at };
}

export function setState(inc: Incident, state: IncidentState, at: string): Incident {
  return { ...inc, state, stateChangedAt: at, updatedAt: at };
}

/** The message a responder reads when a step fails. */
export function failureMessage(err: unknown): string {
  if (err instanceof RemediationError && err.kind === "denied") {
    return `Permission denied: the remediator lacks ${err.missingPermission ?? "a permission"}. Grant it (see remediation/requiredPermissions.ts) and retry.`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}

export class Runner {
  constructor(private readonly deps: RunnerDeps) {}

  async publish(inc: Incident): Promise<void> {
    // A chat outage must not undo or block a cloud change that already happened.
    await Promise.allSettled(this.deps.channels.map((c) => c.publishIncident(inc)));
  }

  async notify(text: string): Promise<void> {
    await Promise.allSettled(this.deps.channels.map((c) => c.notify(text)));
  }

  private async record(
    incidentId: string,
    key: string,
    step: StepResult,
    entry: TimelineEntry,
    action?: Pick<RemediationAction, "beforeState">,
  ): Promise<Incident | null> {
    return updateIncident(this.deps.store, incidentId, (inc) => {
      if (!inc.plan) return undefined;
      const steps = inc.plan.steps.some((s) => s.idempotencyKey === key)
        ? inc.plan.steps.map((s) => (s.idempotencyKey === key ? step : s))
        : [...inc.plan.steps, step];
      const actions = action
        ? inc.plan.actions.map((a) =>
            a.idempotencyKey === key ? { ...a, beforeState: action.beforeState } : a,
          )
        : inc.plan.actions;
      return withTimeline({ ...inc, plan: { ...inc.plan, steps, actions } }, entry);
    });
  }

  /**
   * Executes the pending steps of a plan whose incident this caller moved to `remediating`.
   * `runId` (the stateChangedAt of that move) scopes the step claims to this run.
   */
  async execute(incidentId: string, by: string, runId: string): Promise<RunResult> {
    const { store, executors, policy, now } = this.deps;
    let inc = (await store.get<Incident>("incidents", incidentId))?.data;
    if (!inc?.plan) throw new Error(`incident ${incidentId} has no plan`);
    for (const action of inc.plan.actions) {
      const key = action.idempotencyKey;
      const prior = inc.plan?.steps.find((s) => s.idempotencyKey === key);
      if (prior && (prior.status === "done" || prior.status === "noop")) continue;
      const at = now().toISOString();

      const hit = neverTouchHit(policy, action);
      if (hit) {
        // The list may have grown since the plan was made: check again right before acting.
        const step: StepResult = {
          idempotencyKey: key,
          status: "skipped",
          at,
          message: `never-touch: ${hit.name} matches ${hit.pattern}`,
        };
        inc =
          (await this.record(incidentId, key, step, {
            at,
            by,
            what: `Skipped (never-touch): ${action.description}`,
          })) ?? inc;
        await appendAudit(store, {
          actor: by,
          action: "remediation.step.skipped",
          incidentId,
          at,
          detail: { key, kind: action.kind, target: action.target, reason: step.message },
        });
        continue;
      }

      const claimId = `${key}.${runId.replace(/[^0-9A-Za-z]/g, "")}`;
      const claimed = await store.create("claims", claimId, { incidentId, key, by, at });
      if (!claimed) {
        return {
          incident: inc,
          ok: false,
          message: `Step "${action.description}" is already being run elsewhere; not running it twice.`,
        };
      }

      const handler = executors[action.kind];
      let step: StepResult;
      let failed = false;
      try {
        if (!handler) throw new RemediationError("other", `no executor for ${action.kind}`);
        const out = await handler.execute(action);
        step = {
          idempotencyKey: key,
          status: out.status,
          message: out.message,
          beforeState: out.beforeState,
          at: now().toISOString(),
        };
      } catch (err) {
        failed = true;
        step = {
          idempotencyKey: key,
          status: "failed",
          message: failureMessage(err),
          at: now().toISOString(),
        };
        // Free the claim so a retry (a new run) or this one later may take the step again.
        await store.delete("claims", claimId);
      }
      const what =
        step.status === "done"
          ? `Done: ${action.description}`
          : step.status === "noop"
            ? `Nothing to do (already so): ${action.description}`
            : `Failed: ${action.description} — ${step.message}`;
      inc =
        (await this.record(
          incidentId,
          key,
          step,
          { at: step.at ?? at, by, what, detail: { key, kind: action.kind, target: action.target } },
          {
            beforeState: step.beforeState,
          },
        )) ?? inc;
      await appendAudit(store, {
        actor: by,
        action: `remediation.step.${step.status}`,
        incidentId,
        at: step.at,
        detail: { key, kind: action.kind, target: action.target, message: step.message },
      });
      await this.publish(inc);
      if (failed) {
        const done = await this.finish(incidentId, "failed", by, `Remediation stopped: ${step.message}`);
        return {
          incident: done ?? inc,
          ok: false,
          message: `Remediation failed at "${action.description}": ${step.message}`,
        };
      }
    }
    const done = await this.finish(incidentId, "remediated", by, "Remediation complete");
    const final = done ?? inc;
    const counts = summarize(final);
    return { incident: final, ok: true, message: `Remediated: ${counts}.` };
  }

  private async finish(
    incidentId: string,
    to: IncidentState,
    by: string,
    what: string,
  ): Promise<Incident | null> {
    const at = this.deps.now().toISOString();
    const inc = await updateIncident(this.deps.store, incidentId, (cur) =>
      canTransition(cur.state, to) ? withTimeline(setState(cur, to, at), { at, by, what }) : undefined,
    );
    await appendAudit(this.deps.store, { actor: by, action: `incident.${to}`, incidentId, at, detail: {} });
    if (inc) await this.publish(inc);
    return inc;
  }

  /** Undoes the done steps in reverse order from their recorded before-states. */
  async undo(incidentId: string, by: string): Promise<RunResult> {
    const { store, executors, now } = this.deps;
    let inc = (await store.get<Incident>("incidents", incidentId))?.data;
    if (!inc?.plan) throw new Error(`incident ${incidentId} has no plan`);
    const notes: string[] = [];
    for (const action of [...inc.plan.actions].reverse()) {
      const key = action.idempotencyKey;
      const step = inc.plan?.steps.find((s) => s.idempotencyKey === key);
      if (step?.status !== "done") continue;
      const handler = executors[action.kind];
      const at = now().toISOString();
      try {
        if (!handler) throw new RemediationError("other", `no executor for ${action.kind}`);
        const out = await handler.undo(action, step.beforeState);
        // Irreversible steps (a deleted console password) stay "done" and say why.
        const irreversible = action.params.irreversible === true;
        if (irreversible) notes.push(out.message);
        const next: StepResult = {
          ...step,
          status: irreversible ? "done" : "undone",
          message: out.message,
          at,
        };
        const what = irreversible
          ? `Cannot undo: ${action.description} — ${out.message}`
          : `Undone: ${action.description} — ${out.message}`;
        inc = (await this.record(incidentId, key, next, { at, by, what })) ?? inc;
        await appendAudit(store, {
          actor: by,
          action: "remediation.step.undone",
          incidentId,
          at,
          detail: { key, kind: action.kind, target: action.target, message: out.message },
        });
        await this.publish(inc);
      } catch (err) {
        const message = failureMessage(err);
        inc =
          (await this.record(
            incidentId,
            key,
            { ...step, message: `undo failed: ${message}` },
            { at, by, what: `Undo failed: ${action.description} — ${message}` },
          )) ?? inc;
        await appendAudit(store, {
          actor: by,
          action: "remediation.step.undoFailed",
          incidentId,
          at,
          detail: { key, kind: action.kind, message },
        });
        await this.publish(inc);
        return {
          incident: inc,
          ok: false,
          message: `Undo stopped at "${action.description}": ${message}. Press Undo again to retry the rest.`,
        };
      }
    }
    const at = now().toISOString();
    const reverted = await updateIncident(store, incidentId, (cur) =>
      canTransition(cur.state, "reverted")
        ? withTimeline(
            { ...setState(cur, "reverted", at), plan: cur.plan ? { ...cur.plan, approvals: [] } : cur.plan },
            { at, by, what: "Remediation undone" },
          )
        : undefined,
    );
    await appendAudit(store, { actor: by, action: "incident.reverted", incidentId, at, detail: {} });
    if (reverted) await this.publish(reverted);
    return {
      incident: reverted ?? inc,
      ok: true,
      message: notes.length
        ? `Undone, except what cannot be undone: ${notes.join(" ")}`
        : "Undone: every change was put back.",
    };
  }
}

function summarize(inc: Incident): string {
  const steps = inc.plan?.steps ?? [];
  const n = (s: StepResult["status"]) => steps.filter((x) => x.status === s).length;
  const parts = [`${n("done")} changed`, `${n("noop")} already so`];
  if (n("skipped")) parts.push(`${n("skipped")} skipped (never-touch)`);
  return parts.join(", ");
}
