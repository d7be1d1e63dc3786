import type { ChatChannel } from "../../bot/chatChannel";
import type { Identity, Incident } from "../../detection/model";
import { takeAutoBudget } from "../../remediation/breaker";
import type { Executors } from "../../remediation/executor";
import type { RemediationPolicy } from "../../remediation/policy";
import { Runner, setState, updateIncident, withTimeline } from "../../remediation/runner";
import { appendAudit } from "../store/audit";
import type { Store } from "../store/store";
import { mutate } from "../store/store";
import type { DiscoveryDeps, PersonAccess } from "./cloudAccess";
import { discoverAccess } from "./cloudAccess";
import { nextIdentity } from "./identityTransition";
import type { IscClient } from "./iscClient";
import { leaverReportView } from "./leaverReport";
import type { RoleAccess } from "./lifecycleConfig";
import type { LifecycleChange } from "./lifecycleEvents";
import { describeAccess, leaverDrafts, lifecycleIncident, moverDrafts, outOfRole } from "./lifecyclePlans";

/**
 * Acts on accepted lifecycle events: keeps the Identity document, and for leavers and movers
 * finds the person's cloud access, opens an incident with a revoke plan, posts it, and runs it
 * when policy allows. Events are stored (collection "lifecycle") before the webhook answers;
 * this service only moves them from pending to done, so a crash mid-way is retried on start.
 */

export interface LifecycleEventDoc {
  eventId: string;
  /** Who it is about (email when known, else the SailPoint id): lifecycle history reads it. */
  identityId: string;
  at: string;
  change: LifecycleChange["kind"];
  detail: string;
  status: "pending" | "done" | "failed";
  receivedAt: string;
  payload: LifecycleChange;
  incidentId?: string;
  result?: string;
  attempts?: number;
}

export interface LifecycleDeps {
  store: Store;
  channels: ChatChannel[];
  policy: RemediationPolicy;
  executors: Executors;
  discovery: DiscoveryDeps;
  roleAccess: Map<string, RoleAccess>;
  onboardingDays: number;
  leaverRisk: number;
  isc?: IscClient;
  now: () => Date;
  log: (level: "info" | "warn" | "error", msg: string, extra?: Record<string, unknown>) => void;
  /** Called after an identity is written, so the worker scores the person's next events with it. */
  identityChanged?: () => void;
}

export class LifecycleService {
  private running = Promise.resolve();

  constructor(private readonly d: LifecycleDeps) {}

  /** Processes one stored event doc, serialized with others in this process. */
  enqueue(docId: string): Promise<void> {
    const next = this.running.then(() => this.process(docId));
    this.running = next.catch(() => {});
    return next;
  }

  /** Every pending event (after a restart, or events another replica accepted). */
  async drain(): Promise<void> {
    const docs = await this.d.store.query<LifecycleEventDoc>("lifecycle", {
      where: [{ field: "status", op: "==", value: "pending" }],
      limit: 500,
    });
    for (const doc of docs) await this.enqueue(doc.id);
  }

  /** Resolves when everything queued so far has been processed. */
  idle(): Promise<void> {
    return this.running;
  }

  private async process(docId: string): Promise<void> {
    const { store } = this.d;
    // Claim: only one replica processes a given event.
    const doc = await store.get<LifecycleEventDoc>("lifecycle", docId);
    if (doc?.data.status !== "pending") return;
    if (!(await this.claim(`lifecycle.${docId}.${doc.version}`))) return;
    try {
      const out = await this.handle(doc.data.payload);
      await mutate<LifecycleEventDoc>(store, "lifecycle", docId, (cur) =>
        cur
          ? {
              ...cur,
              status: "done",
              identityId: out.identityId ?? cur.identityId,
              result: out.result,
              incidentId: out.incidentId,
            }
          : undefined,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message.slice(0, 300) : String(err);
      this.d.log("error", "lifecycle event failed", { docId, error: message });
      await mutate<LifecycleEventDoc>(store, "lifecycle", docId, (cur) => {
        if (!cur) return undefined;
        const attempts = (cur.attempts ?? 0) + 1;
        return { ...cur, attempts, status: attempts >= 5 ? "failed" : "pending", result: message };
      });
    }
  }

  /** Create-if-absent claim; a claim older than 10 minutes belongs to a replica that died. */
  private async claim(id: string): Promise<boolean> {
    const { store, now } = this.d;
    if (await store.create("claims", id, { at: now().toISOString() })) return true;
    const held = await store.get<{ at: string }>("claims", id);
    if (held && now().getTime() - Date.parse(held.data.at) < 10 * 60_000) return false;
    await store.delete("claims", id);
    return store.create("claims", id, { at: now().toISOString() });
  }

  private async findIdentity(c: LifecycleChange): Promise<Identity | null> {
    const { store, isc } = this.d;
    if (c.email) {
      const byEmail = await store.get<Identity>("identities", c.email);
      if (byEmail) return byEmail.data;
    }
    if (c.sailpointId) {
      const bySp = await store.query<Identity>("identities", {
        where: [{ field: "sailpointId", op: "==", value: c.sailpointId }],
        limit: 1,
      });
      if (bySp[0]) return bySp[0].data;
      // Not seen before: ask ISC who this is, so an attribute change still finds the person.
      if (!c.email && isc) {
        const remote = await isc.getIdentity(c.sailpointId);
        const email = remote?.emailAddress ?? (remote?.attributes.email as string | undefined);
        if (email) c.email = email.toLowerCase();
        if (remote && !c.department && typeof remote.attributes.department === "string")
          c.department = remote.attributes.department;
      }
    }
    return null;
  }

  /** Email and ARNs the person's ISC accounts carry become aliases (cloud accounts linked in SailPoint). */
  private async linkedAliases(identity: Identity): Promise<string[]> {
    if (!this.d.isc || !identity.sailpointId) return [];
    try {
      const accounts = await this.d.isc.accountsOf(identity.sailpointId);
      return accounts
        .flatMap((a) => [
          a.nativeIdentity,
          typeof a.attributes?.arn === "string" ? a.attributes.arn : undefined,
        ])
        .filter((v): v is string => typeof v === "string" && (/^arn:aws/.test(v) || v.includes("@")));
    } catch (err) {
      this.d.log("warn", "ISC accounts lookup failed", { error: (err as Error).message });
      return [];
    }
  }

  async handle(c: LifecycleChange): Promise<{ identityId?: string; result: string; incidentId?: string }> {
    const { store, now } = this.d;
    const current = await this.findIdentity(c);
    if (c.kind === "certification" || (c.kind === "access-request" && !current && !c.email)) {
      return { result: `recorded: ${c.detail}` };
    }
    const first = nextIdentity(current, c, { onboardingDays: this.d.onboardingDays, now: now() });
    if (!first) return { result: "no email for this identity: recorded only" };
    const aliases = await this.linkedAliases(first);
    // Compare-and-set: other writers (anomaly baselines, commands) may touch the same identity.
    const doc = await mutate<Identity>(store, "identities", first.id, (cur) => {
      const n = nextIdentity(cur ?? current, c, { onboardingDays: this.d.onboardingDays, now: now() });
      return n ? { ...n, aliases: [...new Set([...n.aliases, ...aliases])] } : undefined;
    });
    const next = doc?.data ?? first;
    if (doc) this.d.identityChanged?.();
    await appendAudit(store, {
      actor: "sailpoint",
      action: `lifecycle.${c.kind}`,
      at: now().toISOString(),
      detail: { identity: next.id, detail: c.detail },
    });
    if (c.kind === "leaver") return this.leaver(next, c);
    if (c.kind === "mover") return this.mover(next, c);
    if (c.kind === "joiner")
      return { identityId: next.id, result: `joiner: onboarding until ${next.onboardingUntil ?? "—"}` };
    return { identityId: next.id, result: `updated: ${c.detail}` };
  }

  private discover(identity: Identity): Promise<PersonAccess> {
    return discoverAccess(
      { email: identity.email ?? identity.id, aliases: identity.aliases },
      this.d.discovery,
    );
  }

  private async leaver(identity: Identity, c: LifecycleChange) {
    const at = now(this.d);
    const access = await this.discover(identity);
    const found = describeAccess(access);
    const incident = lifecycleIncident({
      kind: "leaver",
      identity,
      eventId: c.eventId,
      at,
      risk: this.d.leaverRisk,
      title: `Leaver offboarding: ${identity.display}`,
      summary: `${identity.display} left (${c.detail}); ${found.length} cloud credential(s) and binding(s) found`,
      evidence: { found, unreadable: access.unreadable },
      drafts: leaverDrafts(access),
      policy: this.d.policy,
      why: "a person who left still holds cloud access (orphaned access)",
    });
    const final = await this.openAndMaybeRun(incident);
    await this.report(identity, access, final);
    return {
      identityId: identity.id,
      incidentId: final.id,
      result: `leaver: ${final.state}, ${found.length} found`,
    };
  }

  private async mover(identity: Identity, c: LifecycleChange) {
    const key = (identity.department ?? identity.title ?? "").toLowerCase();
    const allowed = this.d.roleAccess.get(key) ?? this.d.roleAccess.get((identity.title ?? "").toLowerCase());
    if (!allowed) return { identityId: identity.id, result: `mover: no role access configured for "${key}"` };
    const access = await this.discover(identity);
    const extra = outOfRole(access, allowed);
    const n = extra.gcp.length + extra.aws.length;
    if (!n) return { identityId: identity.id, result: "mover: all access fits the new role" };
    const lines = [
      ...extra.gcp.map((b) => `${b.role} on ${b.resource}`),
      ...extra.aws.map((x) => `IAM group ${x.group} (user ${x.user.userName})`),
    ];
    const incident = lifecycleIncident({
      kind: "mover",
      identity,
      eventId: c.eventId,
      at: now(this.d),
      risk: 65,
      title: `Access outside current role: ${identity.display}`,
      summary: `${identity.display} moved (${c.detail}) and still holds ${n} grant(s) the new role does not include`,
      evidence: {
        outOfRole: lines,
        previous: c.previous ?? {},
        department: identity.department,
        title: identity.title,
      },
      drafts: moverDrafts(extra),
      policy: this.d.policy,
      why: "access that belonged to the old role was not removed on the move",
    });
    const final = await this.openAndMaybeRun(incident);
    return { identityId: identity.id, incidentId: final.id, result: `mover: ${n} out-of-role grant(s)` };
  }

  private async publish(inc: Incident): Promise<void> {
    await Promise.allSettled(this.d.channels.map((ch) => ch.publishIncident(inc)));
  }

  /** Stores the incident (once per event), posts it, and runs the plan when policy says it may. */
  private async openAndMaybeRun(incident: Incident): Promise<Incident> {
    const { store, policy } = this.d;
    const created = await store.create("incidents", incident.id, incident);
    let inc = created ? incident : ((await store.get<Incident>("incidents", incident.id))?.data ?? incident);
    if (created) {
      await appendAudit(store, {
        actor: "system",
        action: "incident.opened",
        incidentId: inc.id,
        at: inc.createdAt,
        detail: {},
      });
      await this.publish(inc);
    }
    const plan = inc.plan;
    if (!created || !plan?.auto || plan.dryRun || !plan.actions.length) return inc;
    const budget = await takeAutoBudget(
      store,
      policy.breakerMaxAutoPerHour,
      plan.actions.length,
      this.d.now(),
    );
    if (!budget.ok) {
      await Promise.allSettled(
        this.d.channels.map((ch) => ch.notify(`Automatic offboarding paused: ${budget.reason}`)),
      );
      return inc;
    }
    const at = now(this.d);
    const moved = await updateIncident(store, inc.id, (cur) =>
      cur.state === "open"
        ? withTimeline(setState(cur, "remediating", at), {
            at,
            by: "auto",
            what: "Automatic remediation started",
          })
        : undefined,
    );
    if (!moved) return inc;
    const runner = new Runner({
      store,
      executors: this.d.executors,
      policy,
      channels: this.d.channels,
      now: this.d.now,
    });
    const run = await runner.execute(inc.id, "auto", at);
    inc = run.incident;
    return inc;
  }

  private async report(identity: Identity, access: PersonAccess, inc: Incident): Promise<void> {
    const view = leaverReportView(identity, access, inc);
    await Promise.allSettled(
      this.d.channels.map((ch) => (ch.publishView ? ch.publishView(view) : ch.notify(view.fallback))),
    );
  }
}

function now(d: { now: () => Date }): string {
  return d.now().toISOString();
}
