import type { Grant, IamEvent, Severity, Target } from "../../model";
import { isPublicMember } from "../../model";
import { type GcpRole, gcpRole } from "../../referenceData";

/**
 * Shared judgement of GCP grants for the detectors in this folder: which roles are
 * privileged (from the reference data, not a hand list), which members are Google-managed
 * service agents or outside the organization's domains, and how to name things for a card.
 */

/** Grants that really happened: a failed call never counts as a grant (recon reads those). */
export function effectiveGrants(event: IamEvent): Grant[] {
  return event.success ? event.grants : [];
}

export const PRIMITIVE_ADMIN_ROLES = new Set(["roles/owner", "roles/editor"]);

/** Roles that let their holder act as (or mint credentials for) service accounts. */
export const IMPERSONATION_ROLES = new Set([
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountUser",
  "roles/iam.workloadIdentityUser",
  "roles/iam.serviceAccountOpenIdTokenCreator",
]);

/**
 * Why a predefined role is privileged, from detection/reference/gcp-roles.json: it can change
 * IAM policies (any `*.setIamPolicy` permission), the dataset flags it as a privilege-escalation
 * path, or it is an `*.admin` role. Undefined for ordinary, custom and unknown roles.
 */
export function privilegedRoleReason(role: string): string | undefined {
  if (PRIMITIVE_ADMIN_ROLES.has(role)) return `${role} is a basic role with broad write access`;
  // The reference data never changes in a process: judge each predefined role once (roles/viewer
  // alone lists thousands of permissions). Only roles the data knows are kept, so it stays bounded.
  const cached = roleReasonCache.get(role);
  if (cached !== undefined) return cached || undefined;
  const data = gcpRole(role);
  if (!data) return undefined;
  const why = judgeRole(role, data);
  roleReasonCache.set(role, why ?? "");
  return why;
}
const roleReasonCache = new Map<string, string>();

function judgeRole(role: string, data: GcpRole): string | undefined {
  // resourcemanager.* first: "can set the project policy" is the sentence a responder needs.
  const setIam = data.permissions
    .filter((p) => p.endsWith(".setIamPolicy"))
    .sort((a, b) => Number(!a.startsWith("resourcemanager.")) - Number(!b.startsWith("resourcemanager.")));
  if (setIam.length) {
    const shown = setIam.slice(0, 2).join(", ");
    return `${role} can change IAM policies (${shown}${setIam.length > 2 ? `, +${setIam.length - 2} more` : ""})`;
  }
  if (data.privesc) return `${role} is a known privilege-escalation path`;
  if (role.endsWith(".admin")) return `${role} is an admin role (${data.permissions.length} permissions)`;
  return undefined;
}

/**
 * Permissions that make a custom role privileged: they change IAM policy or roles, or mint
 * service-account credentials. Wildcards are not allowed in custom roles, so exact names suffice.
 */
const CREDENTIAL_OR_IAM_PERMISSIONS = new Set([
  "iam.roles.create",
  "iam.roles.update",
  "iam.serviceAccountKeys.create",
  "iam.serviceAccounts.actAs",
  "iam.serviceAccounts.getAccessToken",
  "iam.serviceAccounts.getOpenIdToken",
  "iam.serviceAccounts.implicitDelegation",
  "iam.serviceAccounts.signBlob",
  "iam.serviceAccounts.signJwt",
]);
export function isPrivilegedPermission(permission: string): boolean {
  return permission.endsWith(".setIamPolicy") || CREDENTIAL_OR_IAM_PERMISSIONS.has(permission);
}

/** Google-managed service agents (service-123@gcp-sa-x…, 123@cloudservices…) get roles from Google itself. */
export function isServiceAgentMember(member: string): boolean {
  if (!member.startsWith("serviceAccount:")) return false;
  const email = memberEmail(member);
  if (!email) return false;
  const [local, domain = ""] = email.split("@");
  return (
    domain.startsWith("gcp-sa-") ||
    domain === "cloudservices.gserviceaccount.com" ||
    domain === "system.gserviceaccount.com" ||
    /^service-\d+$/.test(local)
  );
}

/** Role bindings Google makes for its own service agents, e.g. roles/run.serviceAgent. */
export function isServiceAgentGrant(g: Grant): boolean {
  return isServiceAgentMember(g.member) && /serviceAgent$/i.test(g.role);
}

/** user:a@b.com → a@b.com (also deleted:user:…?uid=…); undefined for allUsers, domain:, principal://. */
export function memberEmail(member: string): string | undefined {
  const m = /^(?:deleted:)?(?:user|group|serviceAccount):([^?]+)/.exec(member);
  return m?.[1];
}

/** The domain a member belongs to: the email's domain, or the domain of a domain: member. */
export function memberDomain(member: string): string | undefined {
  if (member.startsWith("domain:")) return member.slice("domain:".length).toLowerCase();
  const email = memberEmail(member);
  if (email === undefined) return undefined;
  // The part after the first "@" (up to a second one), as split("@")[1] reads it, without the array.
  const at = email.indexOf("@");
  if (at < 0) return undefined;
  const next = email.indexOf("@", at + 1);
  return (next < 0 ? email.slice(at + 1) : email.slice(at + 1, next)).toLowerCase();
}

function domainAllowed(domain: string, allowedDomains: readonly string[]): boolean {
  return allowedDomains.some((d) => {
    const a = d.toLowerCase();
    return domain === a || domain.endsWith(`.${a}`);
  });
}

/**
 * Whether a member is outside the organization. Rules, kept simple on purpose:
 * - user:, group:, domain: members are internal when their domain (or a parent domain) is
 *   in allowedDomains;
 * - serviceAccount: members are internal when their domain is allowed, when they are
 *   Google-managed (service agents, *.developer/appspot/cloudbuild default accounts carry
 *   the project number), when they live in the target's own project
 *   (NAME@PROJECT.iam.gserviceaccount.com), or when that project id is itself listed in
 *   allowedDomains; a service account of any other project counts as external;
 * - allUsers / allAuthenticatedUsers are public, not external (the public detectors own them);
 *   principal:// and principalSet:// federation members and projectOwner: style members
 *   have no domain and are not judged here.
 * With an empty allowedDomains the check is skipped (nothing is external).
 */
export function isExternalMember(
  member: string,
  allowedDomains: readonly string[],
  targetProject?: string,
): boolean {
  if (!allowedDomains.length || isPublicMember(member)) return false;
  const domain = memberDomain(member);
  if (!domain) return false;
  if (domainAllowed(domain, allowedDomains)) return false;
  if (member.startsWith("serviceAccount:") || member.startsWith("deleted:serviceAccount:")) {
    if (!domain.endsWith("gserviceaccount.com")) return true;
    if (isServiceAgentMember(member.replace(/^deleted:/, ""))) return false;
    if (/^(developer|appspot|cloudbuild)\.gserviceaccount\.com$/.test(domain)) return false;
    if (/\.appspot\.gserviceaccount\.com$/.test(domain)) return false;
    const project = /^([a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(domain)?.[1];
    if (project && (project === targetProject || allowedDomains.includes(project))) return false;
    return true;
  }
  return true;
}

/** "project acme-prod", "organization 4187…", "bucket acme-data (acme-prod)". */
export function describeTarget(t: Target): string {
  const object = t.id.includes("/buckets/") ? /\/buckets\/(.+?\/objects\/.+)$/.exec(t.id) : null;
  const short = object ? object[1].replace("/objects/", "/") : lastSegment(t.id) || t.id;
  if (t.level !== "resource") return `${t.level} ${short}`;
  return t.project ? `${t.kind} ${short} (${t.project})` : `${t.kind} ${short}`;
}

/** The part after the last slash (all of it without one), read by hand: lastIndexOf is a C++ call in V8. */
function lastSegment(id: string): string {
  for (let i = id.length - 1; i >= 0; i--) if (id.charCodeAt(i) === 47 /* / */) return id.slice(i + 1);
  return id;
}

/** Org and folder grants reach every project below them: one severity step up. */
export function raiseAtHierarchy(base: Severity, t: Target): Severity {
  if (t.level !== "organization" && t.level !== "folder") return base;
  const order: Severity[] = ["info", "low", "medium", "high", "critical"];
  return order[Math.min(order.indexOf(base) + 1, order.length - 1)];
}

/** The fields remediation playbooks read from a grant finding. */
export function grantEvidence(event: IamEvent, g: Grant): Record<string, unknown> {
  return {
    resource: event.target.id,
    resourceKind: event.target.kind,
    level: event.target.level,
    project: event.target.project,
    role: g.role,
    member: g.member,
    ...(g.condition ? { condition: g.condition } : {}),
    actor: event.actor.id,
    method: event.action,
  };
}
