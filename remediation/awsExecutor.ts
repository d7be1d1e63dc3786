import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteGroupPolicyCommand,
  DeleteLoginProfileCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { RemediationAction } from "../detection/model";
import type { AwsClientFactory } from "./awsClients";
import type { RetryOptions } from "./errors";
import { classifyAwsError, defaultRetry, RemediationError, withRetry } from "./errors";
import type { ActionHandler, Executors } from "./executor";
import type { AwsCommandName } from "./requiredPermissions";
import { AWS_COMMAND_ACTIONS } from "./requiredPermissions";

/**
 * AWS executors over the v3 SDK. Each reads first (List/Get), so a second run finds nothing
 * to do and makes no mutating call; what it changes is recorded so undo puts back exactly that.
 */

export const QUARANTINE_POLICY_NAME = "IamImmuneQuarantine";
export const QUARANTINE_POLICY_DOCUMENT = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "IamImmuneQuarantine", Effect: "Deny", Action: "*", Resource: "*" }],
});

const ALL_BLOCKED: Required<
  Pick<
    PublicAccessBlockConfiguration,
    "BlockPublicAcls" | "IgnorePublicAcls" | "BlockPublicPolicy" | "RestrictPublicBuckets"
  >
> = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

type Sendable = { send(command: never): Promise<unknown> };

function param(action: RemediationAction, key: string): string {
  const v = action.params[key];
  if (typeof v !== "string" || !v) throw new RemediationError("other", `action is missing params.${key}`);
  return v;
}

function optParam(action: RemediationAction, key: string): string | undefined {
  const v = action.params[key];
  return typeof v === "string" && v ? v : undefined;
}

function account(action: RemediationAction): string | undefined {
  return optParam(action, "account");
}

type PrincipalType = "user" | "role" | "group";

function principalType(action: RemediationAction): PrincipalType {
  const t = param(action, "principalType");
  if (t !== "user" && t !== "role" && t !== "group")
    throw new RemediationError("other", `unknown principal type ${t}`);
  return t;
}

/** IAM returns policy documents URL-encoded. */
function decodeDocument(doc: string | undefined): string | undefined {
  if (doc === undefined) return undefined;
  try {
    return decodeURIComponent(doc);
  } catch {
    return doc;
  }
}

function canonical(doc: string | null | undefined): string | null {
  if (doc === null || doc === undefined) return null;
  try {
    return JSON.stringify(JSON.parse(doc));
  } catch {
    return doc;
  }
}

function isName(err: unknown, ...names: string[]): boolean {
  const e = err as { name?: string; Code?: string };
  return names.includes(e?.name ?? "") || names.includes(e?.Code ?? "");
}

export class AwsCaller {
  constructor(
    readonly factory: AwsClientFactory,
    private readonly retry: RetryOptions,
  ) {}

  /** Sends with bounded retry on throttling/5xx; maps denials to the IAM action named. */
  async send<T>(client: IAMClient | S3Client, command: object): Promise<T> {
    const name = command.constructor.name as AwsCommandName;
    const action = AWS_COMMAND_ACTIONS[name] ?? name;
    return withRetry(
      () => (client as unknown as Sendable).send(command as never) as Promise<T>,
      (e) => classifyAwsError(e, action),
      this.retry,
    );
  }

  /** Like send, but a "not there" answer (NoSuchEntity...) comes back as undefined. */
  async sendOrMissing<T>(
    client: IAMClient | S3Client,
    command: object,
    ...missing: string[]
  ): Promise<T | undefined> {
    try {
      return await this.send<T>(client, command);
    } catch (err) {
      const cause = err instanceof RemediationError ? err.cause : err;
      if (isName(cause, "NoSuchEntity", "NoSuchEntityException", ...missing)) return undefined;
      throw err;
    }
  }
}

function detachPolicy(c: AwsCaller): ActionHandler {
  const attached = async (iam: IAMClient, type: PrincipalType, name: string, arn: string) => {
    let marker: string | undefined;
    do {
      const cmd =
        type === "user"
          ? new ListAttachedUserPoliciesCommand({ UserName: name, Marker: marker })
          : type === "role"
            ? new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker })
            : new ListAttachedGroupPoliciesCommand({ GroupName: name, Marker: marker });
      const res = await c.sendOrMissing<{
        AttachedPolicies?: { PolicyArn?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(iam, cmd);
      if (!res) return false;
      if (res.AttachedPolicies?.some((p) => p.PolicyArn === arn)) return true;
      marker = res.IsTruncated ? res.Marker : undefined;
    } while (marker);
    return false;
  };
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      const name = param(a, "principalName");
      const arn = param(a, "policyArn");
      if (!(await attached(iam, type, name, arn))) {
        return { status: "noop", message: `${arn} is not attached to ${type} ${name}` };
      }
      const cmd =
        type === "user"
          ? new DetachUserPolicyCommand({ UserName: name, PolicyArn: arn })
          : type === "role"
            ? new DetachRolePolicyCommand({ RoleName: name, PolicyArn: arn })
            : new DetachGroupPolicyCommand({ GroupName: name, PolicyArn: arn });
      await c.send(iam, cmd);
      return {
        status: "done",
        message: `detached ${arn} from ${type} ${name}`,
        beforeState: { attached: [arn] },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      const name = param(a, "principalName");
      const arns = (before as { attached?: string[] } | undefined)?.attached ?? [];
      let n = 0;
      for (const arn of arns) {
        if (await attached(iam, type, name, arn)) continue;
        const cmd =
          type === "user"
            ? new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn })
            : type === "role"
              ? new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn })
              : new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: arn });
        await c.send(iam, cmd);
        n++;
      }
      return n
        ? { status: "undone", message: `re-attached ${arns.join(", ")} to ${type} ${name}` }
        : { status: "noop", message: `${arns.join(", ") || "nothing"} already attached` };
    },
  };
}

async function getInline(
  c: AwsCaller,
  iam: IAMClient,
  type: PrincipalType,
  name: string,
  policyName: string,
) {
  const cmd =
    type === "user"
      ? new GetUserPolicyCommand({ UserName: name, PolicyName: policyName })
      : type === "role"
        ? new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })
        : new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName });
  const res = await c.sendOrMissing<{ PolicyDocument?: string }>(iam, cmd);
  return res ? (decodeDocument(res.PolicyDocument) ?? "") : undefined;
}

async function putInline(
  c: AwsCaller,
  iam: IAMClient,
  type: PrincipalType,
  name: string,
  policyName: string,
  doc: string,
) {
  const cmd =
    type === "user"
      ? new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: doc })
      : type === "role"
        ? new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: doc })
        : new PutGroupPolicyCommand({ GroupName: name, PolicyName: policyName, PolicyDocument: doc });
  await c.send(iam, cmd);
}

async function deleteInline(
  c: AwsCaller,
  iam: IAMClient,
  type: PrincipalType,
  name: string,
  policyName: string,
) {
  const cmd =
    type === "user"
      ? new DeleteUserPolicyCommand({ UserName: name, PolicyName: policyName })
      : type === "role"
        ? new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName })
        : new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: policyName });
  await c.send(iam, cmd);
}

function deleteInlinePolicy(c: AwsCaller): ActionHandler {
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      const name = param(a, "principalName");
      const policyName = param(a, "policyName");
      const doc = await getInline(c, iam, type, name, policyName);
      if (doc === undefined)
        return { status: "noop", message: `${type} ${name} has no inline policy ${policyName}` };
      await deleteInline(c, iam, type, name, policyName);
      return {
        status: "done",
        message: `deleted inline policy ${policyName} of ${type} ${name}`,
        beforeState: { policyName, policyDocument: doc },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      const name = param(a, "principalName");
      const b = before as { policyName?: string; policyDocument?: string } | undefined;
      if (!b?.policyName || b.policyDocument === undefined)
        return { status: "noop", message: "nothing recorded" };
      const now = await getInline(c, iam, type, name, b.policyName);
      if (canonical(now) === canonical(b.policyDocument)) {
        return { status: "noop", message: `inline policy ${b.policyName} is already back` };
      }
      await putInline(c, iam, type, name, b.policyName, b.policyDocument);
      return { status: "undone", message: `put inline policy ${b.policyName} back on ${type} ${name}` };
    },
  };
}

function deactivateAccessKey(c: AwsCaller): ActionHandler {
  const keys = async (iam: IAMClient, user: string) => {
    const out: { id: string; status: string }[] = [];
    let marker: string | undefined;
    do {
      const res = await c.send<{
        AccessKeyMetadata?: { AccessKeyId?: string; Status?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(iam, new ListAccessKeysCommand({ UserName: user, Marker: marker }));
      for (const k of res.AccessKeyMetadata ?? [])
        if (k.AccessKeyId) out.push({ id: k.AccessKeyId, status: k.Status ?? "" });
      marker = res.IsTruncated ? res.Marker : undefined;
    } while (marker);
    return out;
  };
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const user = param(a, "principalName");
      const only = optParam(a, "accessKeyId");
      const active = (await keys(iam, user)).filter((k) => k.status === "Active" && (!only || k.id === only));
      if (!active.length)
        return { status: "noop", message: `no active ${only ? `key ${only}` : "keys"} on user ${user}` };
      for (const k of active) {
        await c.send(
          iam,
          new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: k.id, Status: "Inactive" }),
        );
      }
      const ids = active.map((k) => k.id);
      return {
        status: "done",
        message: `deactivated ${ids.join(", ")} of user ${user}`,
        beforeState: { activeKeys: ids },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const user = param(a, "principalName");
      const ids = (before as { activeKeys?: string[] } | undefined)?.activeKeys ?? [];
      const now = await keys(iam, user);
      const redo = ids.filter((id) => now.some((k) => k.id === id && k.status !== "Active"));
      for (const id of redo) {
        await c.send(iam, new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: "Active" }));
      }
      return redo.length
        ? { status: "undone", message: `re-activated ${redo.join(", ")} of user ${user}` }
        : { status: "noop", message: "keys already active (or deleted since)" };
    },
  };
}

function removeUserFromGroup(c: AwsCaller): ActionHandler {
  const groups = async (iam: IAMClient, user: string) => {
    const out: string[] = [];
    let marker: string | undefined;
    do {
      const res = await c.sendOrMissing<{
        Groups?: { GroupName?: string }[];
        IsTruncated?: boolean;
        Marker?: string;
      }>(iam, new ListGroupsForUserCommand({ UserName: user, Marker: marker }));
      if (!res) break;
      for (const g of res.Groups ?? []) if (g.GroupName) out.push(g.GroupName);
      marker = res.IsTruncated ? res.Marker : undefined;
    } while (marker);
    return out;
  };
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const user = param(a, "principalName");
      const only = optParam(a, "groupName");
      const member = (await groups(iam, user)).filter((g) => !only || g === only);
      if (!member.length)
        return { status: "noop", message: `user ${user} is in no ${only ? `group ${only}` : "group"}` };
      for (const g of member)
        await c.send(iam, new RemoveUserFromGroupCommand({ UserName: user, GroupName: g }));
      return {
        status: "done",
        message: `removed user ${user} from ${member.join(", ")}`,
        beforeState: { groups: member },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const user = param(a, "principalName");
      const was = (before as { groups?: string[] } | undefined)?.groups ?? [];
      const now = await groups(iam, user);
      const add = was.filter((g) => !now.includes(g));
      for (const g of add) await c.send(iam, new AddUserToGroupCommand({ UserName: user, GroupName: g }));
      return add.length
        ? { status: "undone", message: `added user ${user} back to ${add.join(", ")}` }
        : { status: "noop", message: `user ${user} is already in ${was.join(", ") || "its groups"}` };
    },
  };
}

function deleteLoginProfile(c: AwsCaller): ActionHandler {
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const user = param(a, "principalName");
      const profile = await c.sendOrMissing<{
        LoginProfile?: { CreateDate?: Date; PasswordResetRequired?: boolean };
      }>(iam, new GetLoginProfileCommand({ UserName: user }));
      if (!profile) return { status: "noop", message: `user ${user} has no console password` };
      await c.send(iam, new DeleteLoginProfileCommand({ UserName: user }));
      return {
        status: "done",
        message: `deleted the console password of user ${user}`,
        beforeState: { hadLoginProfile: true, irreversible: true },
      };
    },
    async undo(a) {
      // The password is gone for good; creating a new one would hand out a credential nobody
      // chose. Undo changes nothing and says what to do instead.
      const user = param(a, "principalName");
      return {
        status: "noop",
        message: `cannot restore the console password of ${user}: an administrator must set a new one (aws iam create-login-profile)`,
      };
    },
  };
}

function quarantine(c: AwsCaller): ActionHandler {
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      if (type === "group") throw new RemediationError("other", "quarantine applies to users and roles");
      const name = param(a, "principalName");
      const existing = await getInline(c, iam, type, name, QUARANTINE_POLICY_NAME);
      if (existing !== undefined && canonical(existing) === canonical(QUARANTINE_POLICY_DOCUMENT)) {
        return { status: "noop", message: `${type} ${name} is already quarantined` };
      }
      await putInline(c, iam, type, name, QUARANTINE_POLICY_NAME, QUARANTINE_POLICY_DOCUMENT);
      return {
        status: "done",
        message: `attached deny-all ${QUARANTINE_POLICY_NAME} to ${type} ${name}`,
        beforeState: { previousDocument: existing ?? null },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const type = principalType(a);
      const name = param(a, "principalName");
      const prev = (before as { previousDocument?: string | null } | undefined)?.previousDocument ?? null;
      const now = await getInline(c, iam, type, name, QUARANTINE_POLICY_NAME);
      if (prev !== null) {
        if (canonical(now) === canonical(prev)) return { status: "noop", message: "already as before" };
        await putInline(c, iam, type, name, QUARANTINE_POLICY_NAME, prev);
        return { status: "undone", message: `put the earlier ${QUARANTINE_POLICY_NAME} document back` };
      }
      if (now === undefined) return { status: "noop", message: `${type} ${name} is not quarantined` };
      await deleteInline(c, iam, type, name, QUARANTINE_POLICY_NAME);
      return { status: "undone", message: `removed ${QUARANTINE_POLICY_NAME} from ${type} ${name}` };
    },
  };
}

interface TrustStatement {
  Principal?: unknown;
  [k: string]: unknown;
}

/** Drops the named principals from every statement; statements left with none go away. */
export function removeTrustPrincipals(doc: string, principals: string[]): string {
  const parsed = JSON.parse(doc) as { Statement?: TrustStatement | TrustStatement[]; [k: string]: unknown };
  const statements = Array.isArray(parsed.Statement)
    ? parsed.Statement
    : parsed.Statement
      ? [parsed.Statement]
      : [];
  const drop = (v: unknown) => typeof v === "string" && principals.includes(v);
  const kept: TrustStatement[] = [];
  for (const s of statements) {
    const p = s.Principal;
    if (drop(p)) continue;
    if (p && typeof p === "object") {
      const next: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
        const list = (Array.isArray(v) ? v : [v]).filter((x) => !drop(x));
        if (list.length) next[k] = Array.isArray(v) ? list : list[0];
      }
      if (!Object.keys(next).length) continue;
      kept.push({ ...s, Principal: next });
    } else kept.push(s);
  }
  return JSON.stringify({ ...parsed, Statement: kept });
}

function restoreAssumeRolePolicy(c: AwsCaller): ActionHandler {
  const current = async (iam: IAMClient, role: string) => {
    const res = await c.send<{ Role?: { AssumeRolePolicyDocument?: string } }>(
      iam,
      new GetRoleCommand({ RoleName: role }),
    );
    return decodeDocument(res.Role?.AssumeRolePolicyDocument) ?? "";
  };
  return {
    async execute(a) {
      const iam = c.factory.iam(account(a));
      const role = param(a, "principalName");
      const now = await current(iam, role);
      const previous = optParam(a, "previousTrustPolicy");
      const remove = Array.isArray(a.params.removePrincipals) ? (a.params.removePrincipals as string[]) : [];
      const desired = previous ?? removeTrustPrincipals(now, remove);
      if (canonical(desired) === canonical(now))
        return { status: "noop", message: `trust policy of role ${role} is already as wanted` };
      await c.send(iam, new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: desired }));
      return {
        status: "done",
        message: `restored the trust policy of role ${role}`,
        beforeState: { policyDocument: now },
      };
    },
    async undo(a, before) {
      const iam = c.factory.iam(account(a));
      const role = param(a, "principalName");
      const doc = (before as { policyDocument?: string } | undefined)?.policyDocument;
      if (!doc) return { status: "noop", message: "nothing recorded" };
      if (canonical(await current(iam, role)) === canonical(doc))
        return { status: "noop", message: "already as before" };
      await c.send(iam, new UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: doc }));
      return { status: "undone", message: `put the earlier trust policy of role ${role} back` };
    },
  };
}

async function bucketPolicy(c: AwsCaller, s3: S3Client, bucket: string): Promise<string | null> {
  const res = await c.sendOrMissing<{ Policy?: string }>(
    s3,
    new GetBucketPolicyCommand({ Bucket: bucket }),
    "NoSuchBucketPolicy",
  );
  return res?.Policy ?? null;
}

async function writeBucketPolicy(c: AwsCaller, s3: S3Client, bucket: string, policy: string | null) {
  if (policy === null) await c.send(s3, new DeleteBucketPolicyCommand({ Bucket: bucket }));
  else await c.send(s3, new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
}

function restoreBucketPolicy(c: AwsCaller): ActionHandler {
  return {
    async execute(a) {
      const s3 = c.factory.s3(account(a));
      const bucket = param(a, "bucket");
      const desired = optParam(a, "previousPolicy") ?? null;
      const now = await bucketPolicy(c, s3, bucket);
      if (canonical(now) === canonical(desired)) {
        return {
          status: "noop",
          message: `bucket policy of ${bucket} is already ${desired ? "the previous one" : "absent"}`,
        };
      }
      await writeBucketPolicy(c, s3, bucket, desired);
      return {
        status: "done",
        message: desired ? `put back the previous policy of ${bucket}` : `deleted the policy of ${bucket}`,
        beforeState: { policy: now },
      };
    },
    async undo(a, before) {
      const s3 = c.factory.s3(account(a));
      const bucket = param(a, "bucket");
      const b = before as { policy?: string | null } | undefined;
      if (!b || b.policy === undefined) return { status: "noop", message: "nothing recorded" };
      if (canonical(await bucketPolicy(c, s3, bucket)) === canonical(b.policy)) {
        return { status: "noop", message: "already as before" };
      }
      await writeBucketPolicy(c, s3, bucket, b.policy);
      return { status: "undone", message: `put the earlier policy of ${bucket} back` };
    },
  };
}

function blockPublicAccess(c: AwsCaller): ActionHandler {
  const current = async (s3: S3Client, bucket: string) => {
    const res = await c.sendOrMissing<{ PublicAccessBlockConfiguration?: PublicAccessBlockConfiguration }>(
      s3,
      new GetPublicAccessBlockCommand({ Bucket: bucket }),
      "NoSuchPublicAccessBlockConfiguration",
    );
    return res?.PublicAccessBlockConfiguration ?? null;
  };
  const allOn = (cfg: PublicAccessBlockConfiguration | null) =>
    Boolean(
      cfg?.BlockPublicAcls && cfg.IgnorePublicAcls && cfg.BlockPublicPolicy && cfg.RestrictPublicBuckets,
    );
  return {
    async execute(a) {
      const s3 = c.factory.s3(account(a));
      const bucket = param(a, "bucket");
      const now = await current(s3, bucket);
      if (allOn(now)) return { status: "noop", message: `public access to ${bucket} is already blocked` };
      await c.send(
        s3,
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: { ...ALL_BLOCKED },
        }),
      );
      return {
        status: "done",
        message: `blocked all public access to ${bucket}`,
        beforeState: { configuration: now },
      };
    },
    async undo(a, before) {
      const s3 = c.factory.s3(account(a));
      const bucket = param(a, "bucket");
      const b = before as { configuration?: PublicAccessBlockConfiguration | null } | undefined;
      if (!b || b.configuration === undefined) return { status: "noop", message: "nothing recorded" };
      const now = await current(s3, bucket);
      const same = (x: PublicAccessBlockConfiguration | null) =>
        JSON.stringify(
          x && [x.BlockPublicAcls, x.IgnorePublicAcls, x.BlockPublicPolicy, x.RestrictPublicBuckets],
        );
      if (same(now) === same(b.configuration)) return { status: "noop", message: "already as before" };
      if (b.configuration === null) {
        await c.send(s3, new DeletePublicAccessBlockCommand({ Bucket: bucket }));
        return { status: "undone", message: `removed the public access block of ${bucket} (it had none)` };
      }
      await c.send(
        s3,
        new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: b.configuration }),
      );
      return { status: "undone", message: `put the earlier public access block of ${bucket} back` };
    },
  };
}

export function awsExecutors(factory: AwsClientFactory, opts: { retry?: RetryOptions } = {}): Executors {
  const c = new AwsCaller(factory, opts.retry ?? defaultRetry);
  return {
    "aws.detachPolicy": detachPolicy(c),
    "aws.deleteInlinePolicy": deleteInlinePolicy(c),
    "aws.deactivateAccessKey": deactivateAccessKey(c),
    "aws.removeUserFromGroup": removeUserFromGroup(c),
    "aws.deleteLoginProfile": deleteLoginProfile(c),
    "aws.quarantine": quarantine(c),
    "aws.restoreAssumeRolePolicy": restoreAssumeRolePolicy(c),
    "aws.restoreBucketPolicy": restoreBucketPolicy(c),
    "aws.blockPublicAccess": blockPublicAccess(c),
  };
}
