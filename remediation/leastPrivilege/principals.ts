import type { Actor, Grant, IamEvent } from "../../detection/model";

/**
 * One name per principal so that what it used (the actor of audit events) and what it holds
 * (the member of grants) meet in the same usage document.
 * - GCP: the email, without the member prefix; the member form (`user:…`,
 *   `serviceAccount:…`) is kept separately for the plan.
 * - AWS: `arn:aws:iam::ACCOUNT:user|role|group/NAME`, path dropped (CloudTrail names the
 *   principal by name in request parameters, by ARN with path in userIdentity).
 */
export type Cloud = "gcp" | "aws";

export interface PrincipalRef {
  cloud: Cloud;
  /** Canonical id: GCP email, AWS IAM ARN without path. */
  id: string;
  /** GCP IAM member string (`user:ana@example.com`); AWS: the ARN. */
  member: string;
}

export function principalDocId(ref: Pick<PrincipalRef, "cloud" | "id">): string {
  return `${ref.cloud}:${encodeURIComponent(ref.id)}`;
}

/**
 * GCP member → principal, or undefined for members that are not one identity acting for itself
 * (groups, domains, allUsers): their use cannot be observed, so nothing is recommended for them.
 */
export function gcpMemberPrincipal(member: string): PrincipalRef | undefined {
  const colon = member.indexOf(":");
  if (colon < 0) return undefined;
  const kind = member.slice(0, colon);
  if (kind !== "user" && kind !== "serviceAccount") return undefined;
  const id = member.slice(colon + 1).toLowerCase();
  return { cloud: "gcp", id, member: `${kind}:${id}` };
}

export function gcpActorPrincipal(actor: Actor): PrincipalRef | undefined {
  if (!actor.id.includes("@")) return undefined;
  const id = actor.id.toLowerCase();
  const kind =
    actor.kind === "serviceAccount" || id.endsWith(".gserviceaccount.com") ? "serviceAccount" : "user";
  return { cloud: "gcp", id, member: `${kind}:${id}` };
}

/** Canonical IAM ARN (path dropped; STS assumed-role sessions → the role). */
export function canonicalAwsArn(arn: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(user|role|group|assumed-role)\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, partition, , account, type, rest] = m;
  const parts = rest.split("/");
  const name = type === "assumed-role" ? parts[parts.length - 2] : parts[parts.length - 1];
  if (!name) return undefined;
  return `arn:${partition}:iam::${account}:${type === "assumed-role" ? "role" : type}/${name}`;
}

export function awsActorPrincipal(actor: Actor): PrincipalRef | undefined {
  const id = canonicalAwsArn(actor.id);
  return id ? { cloud: "aws", id, member: id } : undefined;
}

/**
 * The principal an AWS grant names: an ARN as is, or a bare name typed by the API called
 * (AttachUserPolicy → user, PutRolePolicy → role, …) in the event's account.
 */
export function awsGrantPrincipal(grant: Grant, event: IamEvent): PrincipalRef | undefined {
  if (grant.member.startsWith("arn:")) {
    const id = canonicalAwsArn(grant.member);
    return id ? { cloud: "aws", id, member: id } : undefined;
  }
  const type = /User/.test(event.action)
    ? "user"
    : /Role/.test(event.action)
      ? "role"
      : /Group/.test(event.action)
        ? "group"
        : undefined;
  const account = event.target.project ?? event.actor.account;
  if (!type || !account || !/^\d{12}$/.test(account) || !grant.member) return undefined;
  const id = `arn:aws:iam::${account}:${type}/${grant.member}`;
  return { cloud: "aws", id, member: id };
}
