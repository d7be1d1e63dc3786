import type { FeatureContext, ServerFeature } from "../bot/serverFeature";
import type { IamEvent, Incident, RemediationAction, RemediationPlan } from "../detection/model";
import { normalizeRecord } from "../detection/normalize";
import { appendAudit } from "../integrations/store/audit";
import type { Store } from "../integrations/store/store";
import type { AwsClientFactory } from "./awsClients";
import { createAwsClientFactory } from "./awsClients";
import { awsExecutors } from "./awsExecutor";
import { breakerState } from "./breaker";
import { defaultRetry } from "./errors";
import type { Executors } from "./executor";
import { notifyHandler } from "./executor";
import type { GcpClients } from "./gcpClients";
import { createGcpClients } from "./gcpClients";
import { gcpExecutors } from "./gcpExecutor";
import { gcpReplaceRolesHandler } from "./leastPrivilege/gcpReplaceRoles";
import { planRemediation } from "./plan";
import type { RemediationPolicy } from "./policy";
import { policyFromConfig } from "./policy";
import { RemediationIncidentActions } from "./remediationIncidentActions";
import { setState, updateIncident, withTimeline } from "./runner";

/**
 * The remediation feature: replaces the server's incident actions with ones that run plans,
 * plans every new or grown incident (so the card shows exactly what would change), and runs
 * plans by itself when policy allows. Dry-run is the default: nothing is executed until
 * REMEDIATION_MODE=enforce.
 */

export interface RemediationFeatureOptions {
  /** Clients to use instead of the ones built from configuration (tests, custom credentials). */
  gcp?: GcpClients;
  aws?: AwsClientFactory;
  now?: () => Date;
  /** Exposes the installed actions (tests and the CLI drive them directly). */
  onInstalled?: (actions: RemediationIncidentActions) => void;
}

/** A plan may be replaced while nobody has acted on it yet. */
function untouched(plan: RemediationPlan | undefined): boolean {
  return !plan || (plan.approvals.length === 0 && plan.steps.every((s) => s.status === "pending"));
}

/** The incident's events, re-read from the inbox (the raw records are kept there). */
async function eventsOf(store: Store, inc: Incident): Promise<IamEvent[]> {
  const out: IamEvent[] = [];
  for (const id of inc.eventIds.slice(-50)) {
    const rec = await store.getInbox(id);
    if (!rec) continue;
    try {
      out.push(normalizeRecord(JSON.parse(rec.payload)));
    } catch {
      // A record that no longer normalizes only costs the planner some detail.
    }
  }
  return out;
}

/** Plans (or re-plans) an incident nobody has acted on yet; returns the stored incident. */
export async function planIncident(
  store: Store,
  policy: RemediationPolicy,
  incident: Incident,
  now: () => Date,
): Promise<Incident | null> {
  if (!["open", "snoozed"].includes(incident.state) || !untouched(incident.plan)) return null;
  const events = await eventsOf(store, incident);
  return updateIncident(store, incident.id, (cur) => {
    if (!["open", "snoozed"].includes(cur.state) || !untouched(cur.plan)) return undefined;
    const plan = planRemediation(cur, policy, { events });
    if (JSON.stringify(plan) === JSON.stringify(cur.plan)) return undefined;
    if (!cur.plan && plan.actions.length === 0 && plan.notes.length === 0) return undefined;
    return { ...cur, plan, updatedAt: now().toISOString() };
  });
}

/** When the finding was folded into the incident (its "detected" timeline entry). */
function detectedAt(inc: Incident, f: Incident["findings"][number]): string | undefined {
  return inc.timeline.find((e) => e.detail?.eventId === f.eventId && e.detail?.detector === f.detector)?.at;
}

/**
 * A remediated incident that gained a finding after its run (the bucket made public again
 * within the incident's window, or two replicas processing the incident's events out of
 * order) is reopened for it: an action the plan lacks is added, and an action whose change was
 * made before the finding was seen is made pending again. Steps the finding does not concern
 * stay done; the plan then waits for approval or runs by itself like any plan.
 */
export async function reopenForNewFindings(
  store: Store,
  policy: RemediationPolicy,
  incident: Incident,
  now: () => Date,
): Promise<Incident | null> {
  if (incident.state !== "remediated" || !incident.plan) return null;
  const events = await eventsOf(store, incident);
  return updateIncident(store, incident.id, (cur) => {
    if (cur.state !== "remediated" || !cur.plan) return undefined;
    const steps = new Map(cur.plan.steps.map((s) => [s.idempotencyKey, s]));
    const known = new Set(cur.plan.actions.map((a) => a.idempotencyKey));
    const added: RemediationAction[] = [];
    const again = new Set<string>();
    for (const f of cur.findings) {
      const seen = detectedAt(cur, f);
      for (const a of planRemediation({ ...cur, findings: [f] }, policy, { events }).actions) {
        if (a.kind === "notify") continue;
        const step = steps.get(a.idempotencyKey);
        if (!known.has(a.idempotencyKey)) {
          if (!added.some((x) => x.idempotencyKey === a.idempotencyKey)) added.push(a);
        } else if (seen && step?.at && (step.status === "done" || step.status === "noop") && step.at < seen) {
          again.add(a.idempotencyKey);
        }
      }
    }
    if (added.length === 0 && again.size === 0) return undefined;
    const fresh = planRemediation(cur, policy, { events });
    const at = now().toISOString();
    const needed = [...cur.plan.actions.filter((a) => again.has(a.idempotencyKey)), ...added];
    return withTimeline(
      {
        ...setState(cur, "open", at),
        plan: {
          ...cur.plan,
          auto: fresh.auto,
          notes: fresh.notes,
          approvalsRequired: fresh.approvalsRequired,
          actions: [...cur.plan.actions, ...added],
          approvals: [],
          steps: cur.plan.steps.filter((s) => !again.has(s.idempotencyKey)),
        },
      },
      {
        at,
        by: "system",
        what: `reopened: a finding after the remediation needs ${needed.map((a) => a.description).join("; ")}`,
      },
    );
  });
}

export function remediationFeature(opts: RemediationFeatureOptions = {}): ServerFeature {
  return {
    name: "remediation",
    install(ctx: FeatureContext) {
      const cfg = ctx.config;
      const policy = policyFromConfig(cfg);
      const now = opts.now ?? (() => new Date());
      const retry = { ...defaultRetry, attempts: cfg.REMEDIATION_MAX_ATTEMPTS };
      const gcp = opts.gcp ?? createGcpClients({ rootUrl: cfg.GOOGLE_API_ROOT_URL });
      const aws =
        opts.aws ??
        createAwsClientFactory({
          assumeRoleArnTemplate: cfg.AWS_ASSUME_ROLE_ARN_TEMPLATE,
          region: cfg.AWS_REMEDIATION_REGION,
        });
      const executors: Executors = {
        ...gcpExecutors(gcp, { retry }),
        ...awsExecutors(aws, { retry }),
        // Least-privilege recommendations applied from chat (replace broad roles, undoable).
        "gcp.replaceRoles": gcpReplaceRolesHandler(gcp, { retry }),
        notify: notifyHandler,
      };
      const actions = new RemediationIncidentActions({
        store: ctx.store,
        executors,
        policy,
        channels: ctx.channels,
        now,
      });
      ctx.actions = actions;
      opts.onInstalled?.(actions);

      ctx.status.push({
        async integrations() {
          const breaker = await breakerState(ctx.store);
          const detail = breaker.tripped
            ? `${policy.mode}; automatic mode paused: ${breaker.reason ?? "breaker tripped"}`
            : `${policy.mode}; ${policy.autoRemediate ? `automatic at risk ≥ ${policy.autoThreshold}` : "on approval only"}`;
          return [{ name: "Remediation", connected: !breaker.tripped, detail }];
        },
      });

      const planAndAudit = async (incident: Incident): Promise<Incident | null> => {
        const planned = await planIncident(ctx.store, policy, incident, now);
        if (planned?.plan) {
          await appendAudit(ctx.store, {
            actor: "system",
            action: "remediation.plan",
            incidentId: planned.id,
            detail: {
              playbook: planned.plan.playbook,
              actions: planned.plan.actions.map((a) => a.description),
              auto: planned.plan.auto,
              dryRun: planned.plan.dryRun,
            },
          });
        }
        return planned;
      };
      // Planned before the cards go out, so the first card shows the plan. The incidents handed on
      // from there (planned, or as they were when there was nothing to plan) need no second try.
      const planned = new WeakSet<Incident>();
      ctx.beforeCards(async (incident) => {
        const stored = await planAndAudit(incident);
        planned.add(stored ?? incident);
        return stored;
      });

      ctx.onIncident(async (incident, _created, replayed) => {
        // Planned here only when planning before the cards failed: the cards are then edited.
        if (!planned.has(incident)) {
          const planned = await planAndAudit(incident);
          if (planned?.plan) await actions.runner.publish(planned);
        }
        // A replayed record means the worker that started an automatic run may have died in it.
        const out = await actions.autoRemediate(incident.id, { resume: replayed });
        if (out)
          ctx.logger.info(
            { incident: incident.id, ok: out.ok, outcome: out.message },
            "automatic remediation",
          );
        // Checked after any run this call made: a finding that landed while it ran (another
        // replica, a later event) is not covered by the plan that ran.
        const current = (await ctx.store.get<Incident>("incidents", incident.id))?.data;
        const reopened = current ? await reopenForNewFindings(ctx.store, policy, current, now) : null;
        if (reopened) {
          await appendAudit(ctx.store, {
            actor: "system",
            action: "incident.reopened",
            incidentId: reopened.id,
            detail: { actions: reopened.plan?.actions.map((a) => a.description) ?? [] },
          });
          await actions.runner.publish(reopened);
          const again = await actions.autoRemediate(reopened.id);
          if (again)
            ctx.logger.info(
              { incident: incident.id, ok: again.ok, outcome: again.message },
              "automatic remediation of a reopened incident",
            );
        }
      });

      const mode =
        policy.mode === "dry-run"
          ? "dry-run (plans are shown, nothing is executed; REMEDIATION_MODE=enforce to act)"
          : "enforce";
      const auto = policy.autoRemediate
        ? `automatic at risk ≥ ${policy.autoThreshold}, breaker at ${policy.breakerMaxAutoPerHour}/hour`
        : "on approval only";
      ctx.announce(
        `remediation: ${mode}, ${auto}${cfg.GOOGLE_API_ROOT_URL ? `, Google APIs at ${cfg.GOOGLE_API_ROOT_URL}` : ""}`,
      );
    },
  };
}
