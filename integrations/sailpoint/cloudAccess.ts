import type { IAMClient } from "@aws-sdk/client-iam";
import {
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from "@aws-sdk/client-iam";
import type { AwsClientFactory } from "../../remediation/awsClients";
import { AwsCaller } from "../../remediation/awsExecutor";
import { defaultRetry } from "../../remediation/errors";
import type { GcpClients } from "../../remediation/gcpClients";
import { GcpPolicyClient } from "../../remediation/gcpExecutor";
import { parseGcpResource } from "../../remediation/gcpResource";

/**
 * Finds every cloud credential and binding a person holds: GCP bindings whose member is the
 * person's email (or an alias) on the configured resources, and AWS IAM users mapped to the
 * person (explicit mapping, identity aliases, or the email tag) with their keys, groups and
 * console password. Reads only; changes go through the remediation runner.
 */

export interface GcpBindingHeld {
  resource: string;
  role: string;
  member: string;
  condition?: string;
}

export interface AwsUserHeld {
  account?: string;
  userName: string;
  arn: string;
  accessKeys: { id: string; status: string }[];
  groups: string[];
  hasLoginProfile: boolean;
}

export interface PersonAccess {
  gcp: GcpBindingHeld[];
  aws: AwsUserHeld[];
  /** Resources or accounts that could not be read (named, so the report says what is unknown). */
  unreadable: string[];
}

export interface Person {
  email: string;
  aliases: string[];
}

export interface DiscoveryDeps {
  gcp?: GcpClients;
  aws?: AwsClientFactory;
  gcpResources: string[];
  awsAccounts: string[];
  awsUserTag: string;
  /** email → IAM user ARNs. */
  userMap: Map<string, string[]>;
}

/** The GCP members that are this person. */
export function gcpMembersOf(p: Person): Set<string> {
  const out = new Set<string>([`user:${p.email.toLowerCase()}`]);
  for (const a of p.aliases) {
    if (/^(user|group|principal|deleted:user):/.test(a)) out.add(a.toLowerCase());
    else if (/^[^@\s:]+@[^@\s:]+$/.test(a)) out.add(`user:${a.toLowerCase()}`);
  }
  return out;
}

const USER_ARN = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;

async function gcpBindings(p: Person, d: DiscoveryDeps, out: PersonAccess): Promise<void> {
  if (!d.gcp) return;
  const members = gcpMembersOf(p);
  const pc = new GcpPolicyClient(d.gcp, { ...defaultRetry, attempts: 2 });
  for (const name of d.gcpResources) {
    const r = parseGcpResource(name);
    if (!r) {
      out.unreadable.push(name);
      continue;
    }
    try {
      const policy = await pc.get(r);
      for (const b of policy.bindings ?? []) {
        for (const m of b.members ?? []) {
          if (!members.has(m.toLowerCase()) || !b.role) continue;
          out.gcp.push({
            resource: r.name,
            role: b.role,
            member: m,
            ...(b.condition?.expression ? { condition: b.condition.expression } : {}),
          });
        }
      }
    } catch {
      out.unreadable.push(r.name);
    }
  }
}

async function listAll<T>(
  fetch: (marker?: string) => Promise<{ items: T[]; marker?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    all.push(...page.items);
    marker = page.marker;
  } while (marker);
  return all;
}

async function taggedUsers(c: AwsCaller, iam: IAMClient, tag: string, email: string): Promise<string[]> {
  const users = await listAll(async (marker) => {
    const res = await c.send<{
      Users?: { UserName?: string; Arn?: string }[];
      IsTruncated?: boolean;
      Marker?: string;
    }>(iam, new ListUsersCommand({ Marker: marker }));
    return { items: res.Users ?? [], marker: res.IsTruncated ? res.Marker : undefined };
  });
  const arns: string[] = [];
  for (const u of users) {
    if (!u.UserName || !u.Arn) continue;
    const tags = await c.send<{ Tags?: { Key?: string; Value?: string }[] }>(
      iam,
      new ListUserTagsCommand({ UserName: u.UserName }),
    );
    if ((tags.Tags ?? []).some((t) => t.Key === tag && t.Value?.toLowerCase() === email)) arns.push(u.Arn);
  }
  return arns;
}

async function describeUser(c: AwsCaller, iam: IAMClient, arn: string): Promise<AwsUserHeld | undefined> {
  const m = USER_ARN.exec(arn);
  if (!m) return undefined;
  const [, account, userName] = m;
  const keys = await listAll(async (marker) => {
    const res = await c.sendOrMissing<{
      AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[];
      IsTruncated?: boolean;
      Marker?: string;
    }>(iam, new ListAccessKeysCommand({ UserName: userName, Marker: marker }));
    return {
      items: (res?.AccessKeyMetadata ?? []).map((k) => ({ id: k.AccessKeyId ?? "", status: k.Status ?? "" })),
      marker: res?.IsTruncated ? res.Marker : undefined,
    };
  });
  const groups = await listAll(async (marker) => {
    const res = await c.sendOrMissing<{
      Groups?: { GroupName?: string }[];
      IsTruncated?: boolean;
      Marker?: string;
    }>(iam, new ListGroupsForUserCommand({ UserName: userName, Marker: marker }));
    return {
      items: (res?.Groups ?? []).map((g) => g.GroupName ?? "").filter(Boolean),
      marker: res?.IsTruncated ? res.Marker : undefined,
    };
  });
  const profile = await c.sendOrMissing<object>(iam, new GetLoginProfileCommand({ UserName: userName }));
  return {
    account,
    userName,
    arn,
    accessKeys: keys.filter((k) => k.id),
    groups,
    hasLoginProfile: Boolean(profile),
  };
}

async function awsUsers(p: Person, d: DiscoveryDeps, out: PersonAccess): Promise<void> {
  if (!d.aws) return;
  const c = new AwsCaller(d.aws, { ...defaultRetry, attempts: 2 });
  const arns = new Set<string>([
    ...(d.userMap.get(p.email.toLowerCase()) ?? []),
    ...p.aliases.filter((a) => USER_ARN.test(a)),
  ]);
  for (const account of d.awsAccounts.length ? d.awsAccounts : [undefined]) {
    try {
      for (const arn of await taggedUsers(c, d.aws.iam(account), d.awsUserTag, p.email.toLowerCase()))
        arns.add(arn);
    } catch {
      out.unreadable.push(`aws:${account ?? "default"}`);
    }
  }
  for (const arn of arns) {
    const account = USER_ARN.exec(arn)?.[1];
    try {
      const u = await describeUser(c, d.aws.iam(account), arn);
      if (u) out.aws.push(u);
    } catch {
      out.unreadable.push(arn);
    }
  }
}

export async function discoverAccess(p: Person, d: DiscoveryDeps): Promise<PersonAccess> {
  const out: PersonAccess = { gcp: [], aws: [], unreadable: [] };
  await gcpBindings(p, d, out);
  await awsUsers(p, d, out);
  return out;
}
