import {
  type AwsPolicy,
  type BroadGrant,
  broadGrants,
  isAdminGrade,
  tryParsePolicyDocument,
} from "../../awsPolicy";
import type { DetectionContext } from "../../detector";
import type { IamEvent } from "../../model";
import { awsManagedPolicy } from "../../referenceData";

/** Helpers the AWS detectors share: parsed policies, admin-grade judgements, privileged names. */

const parsedDocCache = new WeakMap<IamEvent, { name: string; policy: AwsPolicy }[]>();
const managedGrantCache = new Map<string, BroadGrant[]>();
const timeCache = new WeakMap<IamEvent, number>();

/** An event's time in ms, parsed once per event (window detectors re-read recent events often). */
export function eventMs(e: IamEvent): number {
  let t = timeCache.get(e);
  if (t === undefined) {
    t = Date.parse(e.time);
    timeCache.set(e, t);
  }
  return t;
}

export function parsedDocs(event: IamEvent): { name: string; policy: AwsPolicy }[] {
  if (event.policyDocuments.length === 0) return [];
  // Several detectors read the same event's documents: validate them once per event.
  const cached = parsedDocCache.get(event);
  if (cached) return cached;
  const out: { name: string; policy: AwsPolicy }[] = [];
  for (const d of event.policyDocuments) {
    const policy = tryParsePolicyDocument(d.document);
    if (policy) out.push({ name: d.name, policy });
  }
  parsedDocCache.set(event, out);
  return out;
}

/**
 * What the admin-grant helpers read back through recentByActor (customerPolicyAdminGrants,
 * privilegedGroupEvidence): the actor's successful policy writes. Detectors calling them keep these.
 */
export function isPolicyWrite(e: IamEvent): boolean {
  return (
    e.success &&
    (e.action === "CreatePolicy" ||
      e.action === "CreatePolicyVersion" ||
      e.action === "AttachGroupPolicy" ||
      e.action === "PutGroupPolicy")
  );
}

/** Whether an event is a call to `source` (e.g. "iam") named one of `names`. */
export function isCall(event: IamEvent, source: string, ...names: string[]): boolean {
  // Called by every detector on every event: the action test first, no string building.
  if (!names.includes(event.action)) return false;
  const svc = event.service;
  return svc.charCodeAt(source.length) === 46 /* . */ && svc.startsWith(source);
}

/** Admin-grade statements of an AWS managed policy, judged from the reference data's statements. */
export function managedPolicyAdminGrants(policyArn: string): BroadGrant[] {
  // The reference data never changes in a process: judge each managed policy once.
  const cached = managedGrantCache.get(policyArn);
  if (cached) return cached;
  const p = awsManagedPolicy(policyArn);
  const grants = p ? isAdminGrade({ Statement: p.statements }) : [];
  // Only ARNs the reference data knows are kept, so unknown (attacker-chosen) ARNs cannot grow it.
  if (p) managedGrantCache.set(policyArn, grants);
  return grants;
}

/**
 * Admin-grade grants of a customer managed policy, when the same actor created it (or made a
 * default version of it) in its recent events: the only way a pure detector can see its document.
 */
export function customerPolicyAdminGrants(
  policyArn: string,
  recent: readonly IamEvent[],
  include: (g: BroadGrant) => boolean = (g) => g.kind !== "privilege-escalation",
): BroadGrant[] {
  for (let i = recent.length - 1; i >= 0; i--) {
    const e = recent[i];
    if (!e.success || e.target.id !== policyArn) continue;
    if (e.action !== "CreatePolicy" && e.action !== "CreatePolicyVersion") continue;
    const docs = parsedDocs(e);
    if (docs.length) return broadGrants(docs[0].policy).filter(include);
  }
  return [];
}

/** Words in an IAM user, role or group name that mark it as privileged (case-insensitive). */
export const PRIVILEGED_NAME =
  /(admin|administrator|root|break-?glass|emergency|power-?user|super-?user|full-?access|owner|AWSReservedSSO_AdministratorAccess)/i;

/** Name part of an IAM ARN (…:user/path/name → name). */
export function arnName(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * Privileged principal rule (console sign-in without MFA): the IGA identity's title or
 * department marks it as an administrator, or the principal's own name / ARN matches
 * PRIVILEGED_NAME.
 */
export function isPrivilegedPrincipal(principalId: string, display: string, ctx: DetectionContext): boolean {
  const identity = ctx.identity(principalId);
  if (
    identity &&
    [identity.title, identity.department].some((s) => s && /admin|security|platform|sre/i.test(s))
  )
    return true;
  return PRIVILEGED_NAME.test(arnName(principalId)) || PRIVILEGED_NAME.test(display);
}

/**
 * Groups known to hold admin-grade policies: the DetectionState's learned set, plus groups
 * this actor attached admin policies to in its recent events.
 */
export function privilegedGroupEvidence(groupName: string, ctx: DetectionContext, actorId: string) {
  if (ctx.privilegedGroups.has(groupName)) return "learned from an earlier admin policy attachment";
  for (const e of ctx.recentByActor(actorId)) {
    if (!e.success) continue;
    if (e.action === "AttachGroupPolicy" && e.details.groupName === groupName) {
      const arn = String(e.details.policyArn ?? "");
      if (managedPolicyAdminGrants(arn).length) return `${arnName(arn)} attached at ${e.time}`;
    }
    if (e.action === "PutGroupPolicy" && e.details.groupName === groupName) {
      if (parsedDocs(e).some((d) => broadGrants(d.policy).length))
        return `admin inline policy put at ${e.time}`;
    }
  }
  if (PRIVILEGED_NAME.test(groupName)) return "the group name marks it as administrative";
  return undefined;
}

export function describeGrants(grants: BroadGrant[]): string {
  const g = grants[0];
  if (!g) return "";
  if (g.kind === "all-actions") return "every action (*) on every resource";
  if (g.kind === "iam-all") return "iam:* on every resource";
  if (g.kind === "not-action") return `every action except ${g.actions.join(", ")} on every resource`;
  return `privilege-escalation actions (${g.actions.slice(0, 4).join(", ")}${g.actions.length > 4 ? ", …" : ""}) on every resource`;
}

/** Worst-case severity of admin-grade grants: unconditional full admin is critical. */
export function adminSeverity(grants: BroadGrant[]): "critical" | "high" {
  return grants.some((g) => !g.conditional && (g.kind === "all-actions" || g.kind === "iam-all"))
    ? "critical"
    : "high";
}

export function minutesBetween(a: string, b: string): number {
  return Math.abs(Date.parse(a) - Date.parse(b)) / 60_000;
}

export interface AdminGrantJudgement {
  /** ARN of the user / role / group that received it. */
  subject: string;
  subjectKind: string;
  /** Managed policy ARN, inline policy name, or group name. */
  via: string;
  grants: BroadGrant[];
  /** Set for group-level grants and memberships: the group DetectionState should learn. */
  privilegedGroup?: string;
}

/** The actions adminGrantOf can judge an admin-grade grant in. */
export const ADMIN_GRANT_ACTIONS = [
  "AttachUserPolicy",
  "AttachRolePolicy",
  "AttachGroupPolicy",
  "PutUserPolicy",
  "PutRolePolicy",
  "PutGroupPolicy",
  "AddUserToGroup",
];

/**
 * The admin-grade grant an IAM event makes, if any: Attach*Policy of an admin-grade managed
 * policy (AWS managed from the reference data, customer managed when the actor just wrote it),
 * Put*Policy whose document is admin-grade or escalates, AddUserToGroup into a privileged group.
 * Failed calls grant nothing.
 */
export function adminGrantOf(event: IamEvent, ctx: DetectionContext): AdminGrantJudgement | undefined {
  if (!event.success || !event.service.startsWith("iam.")) return undefined;
  const d = event.details;
  const group = typeof d.groupName === "string" ? d.groupName : undefined;
  if (/^Attach(User|Role|Group)Policy$/.test(event.action)) {
    const arn = String(d.policyArn ?? "");
    const grants = arn.startsWith("arn:aws:iam::aws:policy/")
      ? managedPolicyAdminGrants(arn)
      : customerPolicyAdminGrants(arn, ctx.recentByActor(event.actor.id));
    if (!grants.length) return undefined;
    return {
      subject: event.target.id,
      subjectKind: event.target.kind,
      via: arn,
      grants,
      privilegedGroup: group,
    };
  }
  if (/^Put(User|Role|Group)Policy$/.test(event.action)) {
    const grants = parsedDocs(event).flatMap((p) => broadGrants(p.policy));
    if (!grants.length) return undefined;
    const via = String(d.inlinePolicyName ?? "inline policy");
    const adminGrade = grants.some((g) => g.kind !== "privilege-escalation");
    return {
      subject: event.target.id,
      subjectKind: event.target.kind,
      via,
      grants,
      privilegedGroup: adminGrade ? group : undefined,
    };
  }
  if (event.action === "AddUserToGroup" && group) {
    const why = privilegedGroupEvidence(group, ctx, event.actor.id);
    if (!why) return undefined;
    const user = event.grants[0]?.member ?? String(d.userName ?? "");
    return {
      subject: user,
      subjectKind: "user",
      via: group,
      grants: [{ kind: "all-actions", actions: [why], conditional: false }],
      privilegedGroup: group,
    };
  }
  return undefined;
}
