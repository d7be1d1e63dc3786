import type { Finding, IamEvent, Incident, RemediationActionKind } from "../detection/model";
import { isPublicMember } from "../detection/model";
import {
  parseGcpResource,
  serviceAccountEmail,
  serviceAccountKeyName,
  serviceAccountName,
} from "./gcpResource";

/**
 * Playbooks as data, the way Cloud Custodian keeps policies as data over a registry of
 * actions: a playbook is an ordered list of action kinds; each kind has one planner that
 * reads a finding (its evidence, then its events' target and grants, then the incident) and
 * returns the exact actions, or none when that kind does not apply (an AWS step of
 * quarantine-identity on a GCP incident).
 *
 * Evidence keys each planner reads (detectors put them in Finding.evidence):
 * - gcp.removeBinding           { resource, member, role, condition? } (condition = CEL expression);
 *                               else the event's grants on event.target
 * - gcp.removePublicMembers     { resource, members?, role? }; else the event's grants to allUsers /
 *                               allAuthenticatedUsers; else both public members everywhere on resource
 * - gcp.removeMemberEverywhere  { member, resource | resources[] } (quarantine of a person, leaver)
 * - gcp.disableServiceAccount   { serviceAccount } (email, member or name); else the actor when it is one
 * - gcp.disableServiceAccountKey{ serviceAccountKey } (full key name), or { serviceAccount, keyId }
 * - gcp.restoreAuditConfig      { resource, auditConfigDeltas: [{ action: ADD|REMOVE, service, logType,
 *                               exemptedMember? }] } (the policyDelta of the SetIamPolicy audit entry)
 * - aws.detachPolicy            { userName | roleName | groupName, policyArn, account? }; else event
 *                               target (user/role/group ARN) + grants[].role (policy ARN)
 * - aws.deleteInlinePolicy      { userName | roleName | groupName, policyName, account? }
 * - aws.deactivateAccessKey     { userName, accessKeyId?, account? } (no key id: every active key)
 * - aws.removeUserFromGroup     { userName, groupName?, account? } (no group: every group)
 * - aws.deleteLoginProfile      { userName, account? }
 * - aws.quarantine              { userName | roleName, account? }; else the incident's actor
 * - aws.restoreAssumeRolePolicy { roleName, previousTrustPolicy? | principals?[] } (no previous
 *                               document: the statements naming the flagged principals are removed)
 * - aws.restoreBucketPolicy     { bucket, previousPolicy? } (no previous policy: the policy is deleted)
 * - aws.blockPublicAccess       { bucket }
 * The AWS account is evidence.account, else the incident target's project, else the actor's account.
 */

export interface PlaybookDef {
  title: string;
  steps: RemediationActionKind[];
}

export const PLAYBOOKS: Record<string, PlaybookDef> = {
  "remove-public-members": { title: "Remove public access", steps: ["gcp.removePublicMembers"] },
  "remove-binding": { title: "Remove the role binding", steps: ["gcp.removeBinding"] },
  "disable-sa-key": { title: "Disable the service account key", steps: ["gcp.disableServiceAccountKey"] },
  "quarantine-identity": {
    title: "Quarantine the identity",
    steps: ["aws.quarantine", "gcp.disableServiceAccount", "gcp.removeMemberEverywhere"],
  },
  "restore-audit-config": { title: "Restore audit logging", steps: ["gcp.restoreAuditConfig"] },
  "block-public-s3": {
    title: "Block public S3 access",
    // Policy first: once BlockPublicPolicy is on, S3 refuses to write a public policy, so the
    // reverse order (undo) can put the old policy back after the old access block returns.
    steps: ["aws.restoreBucketPolicy", "aws.blockPublicAccess"],
  },
  "detach-policy": { title: "Detach the managed policy", steps: ["aws.detachPolicy"] },
  "delete-inline-policy": { title: "Delete the inline policy", steps: ["aws.deleteInlinePolicy"] },
  "deactivate-access-key": { title: "Deactivate the access key", steps: ["aws.deactivateAccessKey"] },
  "restore-trust-policy": { title: "Restore the role trust policy", steps: ["aws.restoreAssumeRolePolicy"] },
  leaver: {
    title: "Offboard the leaver",
    steps: [
      "aws.deactivateAccessKey",
      "aws.removeUserFromGroup",
      "aws.deleteLoginProfile",
      "gcp.disableServiceAccountKey",
      "gcp.removeMemberEverywhere",
    ],
  },
};

/** An action before plan.ts gives it its idempotency key. */
export interface ActionDraft {
  kind: RemediationActionKind;
  target: string;
  params: Record<string, unknown>;
  description: string;
}

export interface PlannerInput {
  playbook: string;
  finding: Finding;
  /** The finding's events, when the caller has them. */
  events: IamEvent[];
  incident: Incident;
}

type Planner = (input: PlannerInput) => ActionDraft[];

// ---------- small readers ----------

function str(ev: Record<string, unknown>, key: string): string | undefined {
  const v = ev[key];
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

function strList(ev: Record<string, unknown>, key: string): string[] {
  const v = ev[key];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x.length > 0);
  const one = str(ev, key);
  return one ? [one] : [];
}

function isAws(input: PlannerInput): boolean {
  return input.incident.source === "aws" || input.events.some((e) => e.source === "aws");
}

function isGcp(input: PlannerInput): boolean {
  return input.incident.source === "gcp" || input.events.some((e) => e.source === "gcp");
}

function awsAccount(input: PlannerInput): string | undefined {
  const ev = input.finding.evidence;
  const fromEv = str(ev, "account");
  if (fromEv) return fromEv;
  const t = input.incident.target.project;
  if (t && /^\d{12}$/.test(t)) return t;
  const arn = /^arn:aws[\w-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/.exec(input.incident.target.id);
  if (arn) return arn[1];
  return input.incident.actor.account;
}

interface AwsPrincipal {
  type: "user" | "role" | "group";
  name: string;
}

/** "arn:aws:iam::1:user/path/bob" → {user, bob}; assumed-role ARNs map to their role. */
export function awsPrincipalFromArn(arn: string): AwsPrincipal | undefined {
  let m = /^arn:aws[\w-]*:iam::\d{12}:(user|role|group)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (m) return { type: m[1] as AwsPrincipal["type"], name: m[2] };
  m = /^arn:aws[\w-]*:sts::\d{12}:assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  if (m) return { type: "role", name: m[1] };
  return undefined;
}

function awsPrincipal(input: PlannerInput, allow: AwsPrincipal["type"][]): AwsPrincipal | undefined {
  const ev = input.finding.evidence;
  for (const type of allow) {
    const name = str(ev, `${type}Name`);
    if (name) return { type, name };
  }
  for (const e of input.events) {
    const p = awsPrincipalFromArn(e.target.id);
    if (p && allow.includes(p.type)) return p;
    if (allow.includes(e.target.kind as AwsPrincipal["type"]) && !e.target.id.includes(":")) {
      return { type: e.target.kind as AwsPrincipal["type"], name: e.target.id };
    }
  }
  const p = awsPrincipalFromArn(input.incident.target.id);
  if (p && allow.includes(p.type)) return p;
  return undefined;
}

function awsParams(input: PlannerInput, p: AwsPrincipal, extra: Record<string, unknown> = {}) {
  const account = awsAccount(input);
  return {
    playbook: input.playbook,
    account,
    scope: account,
    principalType: p.type,
    principalName: p.name,
    principal: account ? `arn:aws:iam::${account}:${p.type}/${p.name}` : p.name,
    // IAM users are people's logins unless shown otherwise; roles and groups are not people.
    principalKind: p.type === "user" ? "human" : "machine",
    ...extra,
  };
}

/**
 * The policy-bearing resource the finding is about. When the evidence or event names a resource
 * whose IAM policy remediation cannot edit (a dataset, topic, object, service account), there
 * is no action: editing the project instead would leave the real exposure in place while the
 * card said it was fixed. Only `projectFallback` planners (a person's bindings, audit configs,
 * both of which live on the project) may fall back to the incident's project.
 */
function gcpResourceOf(input: PlannerInput, projectFallback = false): string | undefined {
  const named = [
    str(input.finding.evidence, "resource"),
    ...input.events.map((e) => e.target.id),
    input.incident.target.id,
  ].find((c) => c);
  const parsed = named ? parseGcpResource(named) : undefined;
  if (parsed) return parsed.name;
  if (projectFallback && input.incident.target.project) return `projects/${input.incident.target.project}`;
  return undefined;
}

function gcpProjectScope(resource: string, input: PlannerInput): string | undefined {
  const r = parseGcpResource(resource);
  if (r && r.kind !== "bucket") return r.id;
  return input.incident.target.project;
}

function memberKind(member: string): "human" | "machine" | "public" {
  if (isPublicMember(member)) return "public";
  return member.startsWith("user:") ? "human" : "machine";
}

function describeResource(resource: string): string {
  const r = parseGcpResource(resource);
  if (r?.kind === "bucket") return `bucket gs://${r.id}`;
  return resource;
}

function awsWhere(account: unknown): string {
  return typeof account === "string" ? ` in account ${account}` : "";
}

// ---------- planners, one per action kind ----------

const removeBinding: Planner = (input) => {
  if (!isGcp(input)) return [];
  const resource = gcpResourceOf(input);
  if (!resource) return [];
  const ev = input.finding.evidence;
  let pairs: { member: string; role: string; condition?: string }[] = [];
  const member = str(ev, "member");
  const role = str(ev, "role");
  if (member && role) pairs = [{ member, role, condition: str(ev, "condition") }];
  else for (const e of input.events) pairs.push(...e.grants);
  return pairs.map((g) => ({
    kind: "gcp.removeBinding" as const,
    target: resource,
    params: {
      playbook: input.playbook,
      resource,
      role: g.role,
      member: g.member,
      ...(g.condition ? { condition: g.condition } : {}),
      principal: g.member,
      principalKind: memberKind(g.member),
      scope: gcpProjectScope(resource, input),
    },
    description: `Remove ${g.member} from ${g.role}${g.condition ? " (conditional binding)" : ""} on ${describeResource(resource)}.`,
  }));
};

const removePublicMembers: Planner = (input) => {
  if (!isGcp(input)) return [];
  const resource = gcpResourceOf(input);
  if (!resource) return [];
  const ev = input.finding.evidence;
  let members = strList(ev, "members").filter(isPublicMember);
  const single = str(ev, "member");
  if (!members.length && single && isPublicMember(single)) members = [single];
  if (!members.length) {
    members = [...new Set(input.events.flatMap((e) => e.grants.map((g) => g.member)).filter(isPublicMember))];
  }
  if (!members.length) members = ["allUsers", "allAuthenticatedUsers"];
  const role = str(ev, "role");
  return [
    {
      kind: "gcp.removePublicMembers",
      target: resource,
      params: {
        playbook: input.playbook,
        resource,
        members,
        ...(role ? { role } : {}),
        principal: members.join(","),
        principalKind: "public",
        scope: gcpProjectScope(resource, input),
      },
      description: `Remove ${members.join(" and ")} from ${role ?? "every role"} on ${describeResource(resource)}.`,
    },
  ];
};

const removeMemberEverywhere: Planner = (input) => {
  if (!isGcp(input)) return [];
  const ev = input.finding.evidence;
  let member = str(ev, "member");
  if (!member && input.playbook === "quarantine-identity" && input.incident.actor.kind === "user") {
    member = `user:${input.incident.actor.id}`;
  }
  if (!member?.startsWith("user:")) return [];
  const listed = strList(ev, "resources");
  const resources = (listed.length ? listed : [gcpResourceOf(input, true)])
    .map((r) => (r ? parseGcpResource(r)?.name : undefined))
    .filter((r): r is string => Boolean(r));
  return [...new Set(resources)].map((resource) => ({
    kind: "gcp.removeMemberEverywhere" as const,
    target: resource,
    params: {
      playbook: input.playbook,
      resource,
      member,
      principal: member,
      principalKind: memberKind(member),
      scope: gcpProjectScope(resource, input),
    },
    description: `Remove ${member} from every role binding on ${describeResource(resource)}.`,
  }));
};

const disableServiceAccount: Planner = (input) => {
  if (!isGcp(input)) return [];
  const ev = input.finding.evidence;
  let sa = str(ev, "serviceAccount");
  if (!sa && input.incident.actor.kind === "serviceAccount") sa = input.incident.actor.id;
  if (!sa) return [];
  const email = serviceAccountEmail(sa);
  const name = serviceAccountName(sa);
  return [
    {
      kind: "gcp.disableServiceAccount",
      target: name,
      params: {
        playbook: input.playbook,
        serviceAccount: name,
        principal: `serviceAccount:${email}`,
        principalKind: "machine",
        scope: /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? input.incident.target.project,
      },
      description: `Disable service account ${email} (its tokens stop working).`,
    },
  ];
};

const disableServiceAccountKey: Planner = (input) => {
  if (!isGcp(input)) return [];
  const ev = input.finding.evidence;
  const keys = strList(ev, "serviceAccountKey");
  const sa = str(ev, "serviceAccount");
  const keyId = str(ev, "keyId");
  if (!keys.length && keyId && sa) keys.push(keyId);
  const names = keys.map((k) => serviceAccountKeyName(k, sa)).filter((k): k is string => Boolean(k));
  return names.map((keyName) => {
    const email = serviceAccountEmail(keyName);
    const id = keyName.split("/").pop();
    return {
      kind: "gcp.disableServiceAccountKey" as const,
      target: keyName,
      params: {
        playbook: input.playbook,
        keyName,
        serviceAccount: serviceAccountName(keyName),
        principal: `serviceAccount:${email}`,
        principalKind: "machine",
        scope: /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? input.incident.target.project,
      },
      description: `Disable key ${id} of service account ${email}.`,
    };
  });
};

interface AuditDelta {
  action: "ADD" | "REMOVE";
  service: string;
  logType: string;
  exemptedMember?: string;
}

const restoreAuditConfig: Planner = (input) => {
  if (!isGcp(input)) return [];
  const resource = gcpResourceOf(input, true);
  const raw = input.finding.evidence.auditConfigDeltas;
  if (!resource || !Array.isArray(raw)) return [];
  const deltas = raw.filter(
    (d): d is AuditDelta =>
      typeof d === "object" &&
      d !== null &&
      typeof (d as AuditDelta).service === "string" &&
      typeof (d as AuditDelta).logType === "string" &&
      ((d as AuditDelta).action === "ADD" || (d as AuditDelta).action === "REMOVE"),
  );
  // Only weakening changes are reversed: a log type switched off, or an exemption added.
  const reverse = deltas.filter(
    (d) => (d.action === "REMOVE" && !d.exemptedMember) || (d.action === "ADD" && d.exemptedMember),
  );
  if (!reverse.length) return [];
  const words = reverse.map((d) =>
    d.exemptedMember
      ? `drop the exemption of ${d.exemptedMember} from ${d.logType} on ${d.service}`
      : `turn ${d.logType} back on for ${d.service}`,
  );
  return [
    {
      kind: "gcp.restoreAuditConfig",
      target: resource,
      params: {
        playbook: input.playbook,
        resource,
        deltas: reverse,
        scope: gcpProjectScope(resource, input),
      },
      description: `On ${describeResource(resource)}: ${words.join("; ")}.`,
    },
  ];
};

const detachPolicy: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsPrincipal(input, ["user", "role", "group"]);
  if (!p) return [];
  const ev = input.finding.evidence;
  const arns = strList(ev, "policyArn");
  if (!arns.length) {
    for (const e of input.events) for (const g of e.grants) if (g.role.startsWith("arn:")) arns.push(g.role);
  }
  return [...new Set(arns)].map((policyArn) => {
    const params = awsParams(input, p, { policyArn });
    return {
      kind: "aws.detachPolicy" as const,
      target: String(params.principal),
      params,
      description: `Detach ${policyArn} from IAM ${p.type} ${p.name}${awsWhere(params.account)}.`,
    };
  });
};

const deleteInlinePolicy: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsPrincipal(input, ["user", "role", "group"]);
  const policyName =
    str(input.finding.evidence, "policyName") ?? input.events.flatMap((e) => e.policyDocuments)[0]?.name;
  if (!p || !policyName) return [];
  const params = awsParams(input, p, { policyName });
  return [
    {
      kind: "aws.deleteInlinePolicy",
      target: String(params.principal),
      params,
      description: `Delete inline policy ${policyName} from IAM ${p.type} ${p.name}${awsWhere(params.account)} (its document is kept for undo).`,
    },
  ];
};

function awsUser(input: PlannerInput): AwsPrincipal | undefined {
  const p = awsPrincipal(input, ["user"]);
  if (p) return p;
  if (input.playbook === "leaver") {
    const a = awsPrincipalFromArn(input.incident.actor.id);
    if (a?.type === "user") return a;
  }
  return undefined;
}

const deactivateAccessKey: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsUser(input);
  if (!p) return [];
  const accessKeyId = str(input.finding.evidence, "accessKeyId");
  const params = awsParams(input, p, accessKeyId ? { accessKeyId } : {});
  return [
    {
      kind: "aws.deactivateAccessKey",
      target: accessKeyId ?? String(params.principal),
      params,
      description: accessKeyId
        ? `Set access key ${accessKeyId} of IAM user ${p.name}${awsWhere(params.account)} to Inactive.`
        : `Set every active access key of IAM user ${p.name}${awsWhere(params.account)} to Inactive.`,
    },
  ];
};

const removeUserFromGroup: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsUser(input);
  if (!p) return [];
  const groupName = str(input.finding.evidence, "groupName");
  const params = awsParams(input, p, groupName ? { groupName } : {});
  return [
    {
      kind: "aws.removeUserFromGroup",
      target: String(params.principal),
      params,
      description: groupName
        ? `Remove IAM user ${p.name} from group ${groupName}${awsWhere(params.account)}.`
        : `Remove IAM user ${p.name} from every IAM group${awsWhere(params.account)}.`,
    },
  ];
};

const deleteLoginProfile: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsUser(input);
  if (!p) return [];
  const params = awsParams(input, p, { irreversible: true });
  return [
    {
      kind: "aws.deleteLoginProfile",
      target: String(params.principal),
      params,
      description: `Delete the console password of IAM user ${p.name}${awsWhere(params.account)} (cannot be undone: the password is not recoverable).`,
    },
  ];
};

const quarantine: Planner = (input) => {
  if (!isAws(input)) return [];
  let p = awsPrincipal(input, ["user", "role"]);
  if (!p) {
    const a = awsPrincipalFromArn(input.incident.actor.id);
    if (a && a.type !== "group") p = a;
  }
  if (!p) return [];
  const params = awsParams(input, p);
  return [
    {
      kind: "aws.quarantine",
      target: String(params.principal),
      params,
      description: `Attach a deny-all inline policy (IamImmuneQuarantine) to IAM ${p.type} ${p.name}${awsWhere(params.account)}: every call it makes is refused.`,
    },
  ];
};

const restoreAssumeRolePolicy: Planner = (input) => {
  if (!isAws(input)) return [];
  const p = awsPrincipal(input, ["role"]);
  if (!p) return [];
  const ev = input.finding.evidence;
  const previous = ev.previousTrustPolicy;
  const principals = strList(ev, "principals");
  if (!principals.length) {
    for (const e of input.events) for (const g of e.grants) principals.push(g.member);
  }
  if (previous === undefined && !principals.length) return [];
  const params = awsParams(input, p, {
    ...(previous !== undefined
      ? { previousTrustPolicy: typeof previous === "string" ? previous : JSON.stringify(previous) }
      : { removePrincipals: [...new Set(principals)] }),
  });
  return [
    {
      kind: "aws.restoreAssumeRolePolicy",
      target: String(params.principal),
      params,
      description:
        previous !== undefined
          ? `Put back the previous trust policy of role ${p.name}${awsWhere(params.account)}.`
          : `Remove ${[...new Set(principals)].join(", ")} from the trust policy of role ${p.name}${awsWhere(params.account)}.`,
    },
  ];
};

function bucketOf(input: PlannerInput): string | undefined {
  // Detectors may name the bucket by ARN; S3 calls take the bare name.
  const b = str(input.finding.evidence, "bucket");
  if (b) return b.replace(/^arn:aws:s3:::/, "");
  for (const e of input.events)
    if (e.target.kind === "bucket") return e.target.id.replace(/^arn:aws:s3:::/, "");
  if (input.incident.target.kind === "bucket") return input.incident.target.id.replace(/^arn:aws:s3:::/, "");
  return undefined;
}

function s3Params(input: PlannerInput, bucket: string, extra: Record<string, unknown> = {}) {
  const account = awsAccount(input);
  return { playbook: input.playbook, bucket, account, scope: account, ...extra };
}

const restoreBucketPolicy: Planner = (input) => {
  if (!isAws(input)) return [];
  const bucket = bucketOf(input);
  if (!bucket) return [];
  const prev = input.finding.evidence.previousPolicy;
  const previousPolicy =
    prev === undefined || prev === null ? null : typeof prev === "string" ? prev : JSON.stringify(prev);
  return [
    {
      kind: "aws.restoreBucketPolicy",
      target: `arn:aws:s3:::${bucket}`,
      params: s3Params(input, bucket, { previousPolicy }),
      description: previousPolicy
        ? `Put back the bucket policy s3://${bucket} had before the change.`
        : `Delete the bucket policy of s3://${bucket} (its earlier policy is unknown; Undo puts the current one back).`,
    },
  ];
};

const blockPublicAccess: Planner = (input) => {
  if (!isAws(input)) return [];
  const bucket = bucketOf(input);
  if (!bucket) return [];
  return [
    {
      kind: "aws.blockPublicAccess",
      target: `arn:aws:s3:::${bucket}`,
      params: s3Params(input, bucket),
      description: `Turn on all four S3 Block Public Access settings for s3://${bucket}.`,
    },
  ];
};

export const PLANNERS: Partial<Record<RemediationActionKind, Planner>> = {
  "gcp.removeBinding": removeBinding,
  "gcp.removePublicMembers": removePublicMembers,
  "gcp.removeMemberEverywhere": removeMemberEverywhere,
  "gcp.disableServiceAccount": disableServiceAccount,
  "gcp.disableServiceAccountKey": disableServiceAccountKey,
  "gcp.restoreAuditConfig": restoreAuditConfig,
  "aws.detachPolicy": detachPolicy,
  "aws.deleteInlinePolicy": deleteInlinePolicy,
  "aws.deactivateAccessKey": deactivateAccessKey,
  "aws.removeUserFromGroup": removeUserFromGroup,
  "aws.deleteLoginProfile": deleteLoginProfile,
  "aws.quarantine": quarantine,
  "aws.restoreAssumeRolePolicy": restoreAssumeRolePolicy,
  "aws.restoreBucketPolicy": restoreBucketPolicy,
  "aws.blockPublicAccess": blockPublicAccess,
};
