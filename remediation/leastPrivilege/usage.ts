import { z } from "zod";
import { TimeSlice } from "../../bot/timeSlice";
import type { IamEvent } from "../../detection/model";
import { mutate, type Store } from "../../integrations/store/store";
import type { LeastPrivilegeSettings } from "./leastPrivilegeConfig";
import {
  awsActorPrincipal,
  awsGrantPrincipal,
  type Cloud,
  gcpActorPrincipal,
  gcpMemberPrincipal,
  type PrincipalRef,
  principalDocId,
} from "./principals";

/**
 * What one principal used and what it holds, one document per principal in the `usage`
 * collection. Compact: permission → [last used day, uses]; days count from 1970-01-01 UTC.
 * Use older than the window is dropped on every write, so a document stays as small as the
 * set of permissions used recently. Grants are those observed in policy-change events.
 */
export const UsageDocSchema = z.object({
  cloud: z.enum(["gcp", "aws"]),
  /** Canonical principal id (principals.ts): GCP email, AWS ARN without path. */
  principal: z.string(),
  /** GCP member form (user:…, serviceAccount:…) / AWS ARN. */
  member: z.string(),
  /** Day the bot first saw the principal (acting or being granted): the start of its history. */
  observedSince: z.number().int(),
  lastEventDay: z.number().int(),
  /** Permission (GCP) / service:Action (AWS) → [last used day, uses since it entered the window]. */
  perms: z.record(z.string(), z.tuple([z.number().int(), z.number().int()])).default({}),
  /** GCP: resource (projects/p, …) → unconditional roles bound to the member there. */
  gcpBindings: z.record(z.string(), z.array(z.string())).default({}),
  /** AWS: managed policy ARNs attached to the principal. */
  awsManagedPolicies: z.array(z.string()).default([]),
  /** AWS: inline policy name → policy document. */
  awsInlinePolicies: z.record(z.string(), z.unknown()).default({}),
  updatedAt: z.string(),
});
export type UsageDoc = z.infer<typeof UsageDocSchema>;

const DAY_MS = 86_400_000;
export function dayNumber(time: string | Date): number {
  const ms = typeof time === "string" ? Date.parse(time) : time.getTime();
  return Math.floor(ms / DAY_MS);
}
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** One principal's share of one event. */
export interface UsageUpdate {
  ref: PrincipalRef;
  day: number;
  used: string[];
  gcp: { resource: string; role: string; add: boolean }[];
  awsManaged: { arn: string; add: boolean }[];
  awsInline: { name: string; document: unknown | null }[];
}

function emptyUpdate(ref: PrincipalRef, day: number): UsageUpdate {
  return { ref, day, used: [], gcp: [], awsManaged: [], awsInline: [] };
}

const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\//;

/** Pure: the per-principal updates one batch of events implies, keyed by usage document id. */
export function usageUpdates(events: readonly IamEvent[]): Map<string, UsageUpdate[]> {
  const out = new Map<string, UsageUpdate[]>();
  const add = (u: UsageUpdate) => {
    const id = principalDocId(u.ref);
    const list = out.get(id);
    if (list) list.push(u);
    else out.set(id, [u]);
  };
  for (const ev of events) {
    if (ev.source !== "gcp" && ev.source !== "aws") continue;
    const day = dayNumber(ev.time);
    if (!Number.isFinite(day)) continue;
    if (ev.success) {
      const actor = ev.source === "gcp" ? gcpActorPrincipal(ev.actor) : awsActorPrincipal(ev.actor);
      const used = ev.permissionsUsed.length ? ev.permissionsUsed : fallbackAwsAction(ev);
      if (actor && used.length) add({ ...emptyUpdate(actor, day), used });
    }
    if (!ev.success) continue;
    if (ev.source === "gcp") {
      for (const [list, isAdd] of [
        [ev.grants, true],
        [ev.revokes, false],
      ] as const) {
        for (const g of list) {
          // Conditional bindings are left alone: replacing them would drop the condition.
          if (g.condition) continue;
          const ref = gcpMemberPrincipal(g.member);
          if (ref)
            add({ ...emptyUpdate(ref, day), gcp: [{ resource: ev.target.id, role: g.role, add: isAdd }] });
        }
      }
    } else {
      for (const [list, isAdd] of [
        [ev.grants, true],
        [ev.revokes, false],
      ] as const) {
        for (const g of list) {
          const ref = awsGrantPrincipal(g, ev);
          // Groups never act themselves; their members' use is recorded on the members.
          if (!ref || ref.id.includes(":group/")) continue;
          const u = emptyUpdate(ref, day);
          if (MANAGED_POLICY_ARN.test(g.role)) u.awsManaged.push({ arn: g.role, add: isAdd });
          else if (isAdd) {
            const doc =
              ev.policyDocuments.find((d) => d.name === g.role) ??
              (ev.policyDocuments.length === 1 ? ev.policyDocuments[0] : undefined);
            u.awsInline.push({ name: g.role, document: doc?.document ?? {} });
          } else u.awsInline.push({ name: g.role, document: null });
          add(u);
        }
      }
    }
  }
  return out;
}

/** CloudTrail eventSource + eventName → the IAM action, when the normalizer gave none. */
function fallbackAwsAction(ev: IamEvent): string[] {
  if (ev.source !== "aws") return [];
  const m = /^([a-z0-9-]+)\.amazonaws\.com$/.exec(ev.service);
  return m && ev.action ? [`${m[1]}:${ev.action}`] : [];
}

/** Pure: applies updates to a document (or creates it) and forgets use older than the window. */
export function applyUsageUpdates(
  current: UsageDoc | null,
  updates: readonly UsageUpdate[],
  settings: Pick<LeastPrivilegeSettings, "windowDays">,
  now: Date,
): UsageDoc {
  const first = updates[0];
  const doc: UsageDoc = current
    ? {
        ...current,
        perms: { ...current.perms },
        gcpBindings: { ...current.gcpBindings },
        awsManagedPolicies: [...current.awsManagedPolicies],
        awsInlinePolicies: { ...current.awsInlinePolicies },
      }
    : {
        cloud: first.ref.cloud,
        principal: first.ref.id,
        member: first.ref.member,
        observedSince: Math.min(...updates.map((u) => u.day)),
        lastEventDay: first.day,
        perms: {},
        gcpBindings: {},
        awsManagedPolicies: [],
        awsInlinePolicies: {},
        updatedAt: now.toISOString(),
      };
  const ordered = [...updates].sort((a, b) => a.day - b.day);
  for (const u of ordered) {
    doc.observedSince = Math.min(doc.observedSince, u.day);
    doc.lastEventDay = Math.max(doc.lastEventDay, u.day);
    // A user's member kind is only a guess from the actor; a grant names it exactly.
    if (u.gcp.length) doc.member = u.ref.member;
    for (const p of u.used) {
      const prev = doc.perms[p];
      doc.perms[p] = prev ? [Math.max(prev[0], u.day), prev[1] + 1] : [u.day, 1];
    }
    for (const g of u.gcp) {
      const roles = new Set(doc.gcpBindings[g.resource] ?? []);
      if (g.add) roles.add(g.role);
      else roles.delete(g.role);
      if (roles.size) doc.gcpBindings[g.resource] = [...roles].sort();
      else delete doc.gcpBindings[g.resource];
    }
    for (const m of u.awsManaged) {
      const set = new Set(doc.awsManagedPolicies);
      if (m.add) set.add(m.arn);
      else set.delete(m.arn);
      doc.awsManagedPolicies = [...set].sort();
    }
    for (const i of u.awsInline) {
      if (i.document === null) delete doc.awsInlinePolicies[i.name];
      else doc.awsInlinePolicies[i.name] = i.document;
    }
  }
  const oldest = dayNumber(now) - settings.windowDays + 1;
  for (const [p, [last]] of Object.entries(doc.perms)) if (last < oldest) delete doc.perms[p];
  doc.updatedAt = now.toISOString();
  return doc;
}

/**
 * Records a batch of normalized events: one compare-and-set write per principal touched.
 * Returns the documents as stored, so the caller can refresh those principals' recommendations.
 */
export async function recordUsage(
  store: Store,
  events: readonly IamEvent[],
  settings: Pick<LeastPrivilegeSettings, "windowDays">,
  now: Date = new Date(),
): Promise<UsageDoc[]> {
  const out: UsageDoc[] = [];
  const slice = new TimeSlice();
  for (const [id, list] of usageUpdates(events)) {
    const doc = await mutate<UsageDoc>(store, "usage", id, (current) =>
      applyUsageUpdates(current, list, settings, now),
    );
    if (doc) out.push(doc.data);
    await slice.pause();
  }
  return out;
}

/** Every principal's usage document (recommendation summaries share the collection). */
export async function listUsage(store: Store, limit = 100_000): Promise<UsageDoc[]> {
  const docs = await store.query<UsageDoc>("usage", { limit });
  return docs.filter((d) => /^(gcp|aws):/.test(d.id)).map((d) => UsageDocSchema.parse(d.data));
}

export async function loadUsage(store: Store, ref: { cloud: Cloud; id: string }): Promise<UsageDoc | null> {
  const doc = await store.get<UsageDoc>("usage", principalDocId(ref));
  return doc ? UsageDocSchema.parse(doc.data) : null;
}
