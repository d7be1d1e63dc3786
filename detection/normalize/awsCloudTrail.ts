import { z } from "zod";
import { parsePolicyDocument } from "../awsPolicy";
import type { Actor, Grant, IamEvent, PolicyDocument, Target } from "../model";
import { awsActionsByLowerName } from "../referenceData";
import { type AwsDetails, knownAwsDetails, type PublicAccessBlock } from "./awsDetails";
import { fastParser } from "./fastParse";
import { isoTime } from "./isoTime";

/**
 * One CloudTrail record (AWS CloudTrail User Guide, "CloudTrail record contents" and "userIdentity
 * element") → IamEvent. The record schema is loose: CloudTrail adds fields over time and we keep
 * them in `raw`; what we read is validated. Request parameters are read per event name for the
 * IAM, S3, EC2, RDS, KMS, CloudTrail, GuardDuty, Config, sign-in and STS calls detectors care
 * about; everything else still normalizes, with a generic target.
 */

const SessionIssuerSchema = z.looseObject({
  type: z.string().optional(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  userName: z.string().optional(),
});

export const UserIdentitySchema = z.looseObject({
  type: z.string().optional(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  invokedBy: z.string().optional(),
  identityProvider: z.string().optional(),
  credentialId: z.string().optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: SessionIssuerSchema.optional(),
      attributes: z
        .looseObject({ mfaAuthenticated: z.string().optional(), creationDate: z.string().optional() })
        .optional(),
      sourceIdentity: z.string().optional(),
      webIdFederationData: z.looseObject({ federatedProvider: z.string().optional() }).optional(),
    })
    .optional(),
  onBehalfOf: z.looseObject({ userId: z.string(), identityStoreArn: z.string().optional() }).optional(),
});
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

const Obj = z.record(z.string(), z.unknown());

export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: z.string().optional(),
  userIdentity: UserIdentitySchema,
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  awsRegion: z.string().optional(),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  requestParameters: Obj.nullable().optional(),
  responseElements: Obj.nullable().optional(),
  additionalEventData: Obj.nullable().optional(),
  requestID: z.string().optional(),
  eventID: z.string().min(1),
  readOnly: z.boolean().optional(),
  eventType: z.string().optional(),
  managementEvent: z.boolean().optional(),
  recipientAccountId: z.string().optional(),
  eventCategory: z.string().optional(),
  resources: z
    .array(
      z.looseObject({
        ARN: z.string().optional(),
        accountId: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .optional(),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;
const parseCloudTrailRecord = fastParser(CloudTrailRecordSchema);

/** True when the value looks like one CloudTrail record (eventSource + eventName). */
export function isCloudTrailRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && "eventSource" in value && "eventName" in value;
}

/**
 * eventSource host → IAM service prefix where they differ. Everything else is the host's first
 * label (iam.amazonaws.com → iam, s3.amazonaws.com → s3).
 */
const SERVICE_PREFIX: Record<string, string> = {
  monitoring: "cloudwatch",
  email: "ses",
  "s3-control": "s3",
  elasticmapreduce: "elasticmapreduce",
  "runtime.sagemaker": "sagemaker",
  "api.ecr": "ecr",
  "ecr-public": "ecr-public",
  "sso-directory": "sso-directory",
  lex: "lex",
  "models.lex": "lex",
  "execute-api": "execute-api",
};

export function servicePrefix(eventSource: string): string {
  const host = eventSource.replace(/\.amazonaws\.com(\.cn)?$/, "");
  return SERVICE_PREFIX[host] ?? host.split(".")[0];
}

/**
 * What the normalizer needs per (eventSource, eventName): the handler that reads its request and
 * the `prefix:EventName` permission, spelled as the Service Authorization Reference spells it
 * when known. A stream repeats a few thousand pairs, and working them out lower-cases, matches
 * and scans, so they are memoized. Bounded, since both names come from the record.
 */
interface CallInfo {
  handler: Handler | undefined;
  permission: string;
}
const CALL_MEMO_MAX = 50_000;
const callMemo = new Map<string, Map<string, CallInfo>>();
let callMemoSize = 0;

function callInfo(eventSource: string, eventName: string): CallInfo {
  let byName = callMemo.get(eventSource);
  const hit = byName?.get(eventName);
  if (hit) return hit;
  const p = `${servicePrefix(eventSource)}:${eventName}`;
  const info: CallInfo = {
    handler: Object.hasOwn(HANDLERS, p) ? HANDLERS[p] : undefined,
    permission: awsActionsByLowerName().get(p.toLowerCase())?.name ?? p,
  };
  if (callMemoSize >= CALL_MEMO_MAX) {
    callMemo.clear();
    callMemoSize = 0;
    byName = undefined;
  }
  if (!byName) {
    byName = new Map();
    callMemo.set(eventSource, byName);
  }
  byName.set(eventName, info);
  callMemoSize++;
  return info;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
function bool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}
function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The IAM role ARN behind an assumed-role session ARN (the path is not in the session ARN). */
function roleArnFromSession(arn: string): string | undefined {
  const m = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

export function actorFromIdentity(ui: UserIdentity, additional: Record<string, unknown> | undefined): Actor {
  const account = ui.accountId;
  const mfaAttr = bool(ui.sessionContext?.attributes?.mfaAuthenticated);
  const mfaUsed = additional?.MFAUsed === "Yes" ? true : additional?.MFAUsed === "No" ? false : undefined;
  const mfa = mfaUsed ?? mfaAttr;
  const issuer = ui.sessionContext?.sessionIssuer;
  // Plain literals in one key order (account, mfa, delegationChain, id, kind, display, …): a
  // spread of a shared base object was the costliest line of the normalizer.
  switch (ui.type) {
    case "Root": {
      const id = ui.arn ?? (account ? `arn:aws:iam::${account}:root` : "root");
      return {
        account,
        mfa,
        delegationChain: [],
        id,
        kind: "root",
        display: `root (${account ?? "unknown account"})`,
      };
    }
    case "IAMUser": {
      const name = ui.userName ?? ui.arn?.split("/").pop() ?? ui.principalId ?? "unknown";
      const id = ui.arn ?? (account ? `arn:aws:iam::${account}:user/${name}` : name);
      return { account, mfa, delegationChain: [], id, kind: "user", display: name };
    }
    case "AssumedRole": {
      const sessionArn = ui.arn;
      const roleArn = issuer?.arn ?? (sessionArn ? roleArnFromSession(sessionArn) : undefined);
      const sessionName = sessionArn?.split("/").pop() ?? ui.principalId?.split(":")[1];
      const roleName = issuer?.userName ?? roleArn?.split("/").pop() ?? "unknown-role";
      return {
        account,
        mfa,
        delegationChain: [sessionArn, ui.sessionContext?.sourceIdentity].filter((x): x is string => !!x),
        id: roleArn ?? sessionArn ?? ui.principalId ?? "unknown-role",
        kind: "role",
        display: sessionName ? `${roleName}/${sessionName}` : roleName,
        sessionName,
      };
    }
    case "FederatedUser": {
      const sessionName = ui.arn?.split("/").pop() ?? ui.principalId?.split(":")[1];
      return {
        account,
        mfa,
        delegationChain: issuer?.arn ? [issuer.arn] : [],
        id: ui.arn ?? ui.principalId ?? "unknown-federated-user",
        kind: "federated",
        display: sessionName ?? "federated user",
        sessionName,
      };
    }
    case "AWSService": {
      const svc = ui.invokedBy ?? "unknown.amazonaws.com";
      return { account, mfa, delegationChain: [], id: svc, kind: "service", display: svc };
    }
    case "AWSAccount": {
      // A principal of another account calling into this one; CloudTrail names only its account.
      const id = ui.arn ?? (account ? `arn:aws:iam::${account}:root` : (ui.principalId ?? "unknown-account"));
      return {
        account,
        mfa,
        delegationChain: [],
        id,
        kind: "unknown",
        display: `account ${account ?? "unknown"}`,
      };
    }
    case "IdentityCenterUser": {
      const u = ui.onBehalfOf;
      const id = u
        ? `${u.identityStoreArn ?? "identitystore"}/user/${u.userId}`
        : (ui.principalId ?? "unknown");
      return { account, mfa, delegationChain: [], id, kind: "user", display: u?.userId ?? id };
    }
    case "SAMLUser":
    case "WebIdentityUser": {
      const name = ui.userName ?? ui.principalId ?? "unknown";
      const prefix = ui.type === "SAMLUser" ? "saml" : "web-identity";
      return {
        account,
        mfa,
        delegationChain: [],
        id: `${prefix}:${ui.identityProvider ?? "unknown-idp"}:${name}`,
        kind: "federated",
        display: name,
        sessionName: name,
      };
    }
    default: {
      const id = ui.arn ?? ui.principalId ?? ui.userName ?? "unknown";
      return { account, mfa, delegationChain: [], id, kind: "unknown", display: ui.userName ?? id };
    }
  }
}

interface Parsed {
  target: Target;
  grants: Grant[];
  revokes: Grant[];
  policyDocuments: PolicyDocument[];
  details: AwsDetails;
  /** Overrides success (ConsoleLogin "Failure" carries no errorCode). */
  success?: boolean;
}

interface Ctx {
  r: CloudTrailRecord;
  req: Record<string, unknown>;
  res: Record<string, unknown>;
  account: string | undefined;
  partition: string;
  actor: Actor;
  /** Policy documents that did not parse (see parseDoc). */
  docErrors: string[];
}

function iamArn(c: Ctx, kind: "user" | "role" | "group" | "policy", name: string): string {
  if (name.startsWith("arn:")) return name;
  return `arn:${c.partition}:iam::${c.account ?? ""}:${kind}/${name}`;
}

function accountTarget(c: Ctx, kind = "account"): Target {
  return {
    kind,
    id: c.account ?? "unknown-account",
    project: c.account,
    level: "account",
    region: c.r.awsRegion,
  };
}

function resourceTarget(c: Ctx, kind: string, id: string): Target {
  return { kind, id, project: c.account, level: "resource", region: c.r.awsRegion };
}

/**
 * Parses an embedded policy document. One that does not parse (a call AWS refused with
 * MalformedPolicyDocument, a truncated record) keeps the raw text and notes the problem in
 * details.policyDocumentErrors instead of losing the whole event.
 */
function parseDoc(name: string, value: unknown, errors: string[]): PolicyDocument {
  try {
    return { name, document: parsePolicyDocument(value) };
  } catch (e) {
    errors.push(`${name}: ${(e as Error).message}`);
    return { name, document: value };
  }
}

function subjectDetails(subj: { kind: "user" | "role" | "group"; name: string } | undefined): AwsDetails {
  if (!subj) return {};
  if (subj.kind === "user") return { userName: subj.name };
  if (subj.kind === "role") return { roleName: subj.name };
  return { groupName: subj.name };
}

/** The IAM user / role / group a request is about (userName first, then roleName, groupName). */
function iamSubject(c: Ctx): { kind: "user" | "role" | "group"; name: string; arn: string } | undefined {
  // Three plain reads, not a loop over key names: each event asks.
  const user = str(c.req.userName);
  if (user) return { kind: "user", name: user, arn: iamArn(c, "user", user) };
  const role = str(c.req.roleName);
  if (role) return { kind: "role", name: role, arn: iamArn(c, "role", role) };
  const group = str(c.req.groupName);
  if (group) return { kind: "group", name: group, arn: iamArn(c, "group", group) };
  return undefined;
}

/** Target user of a self-or-other IAM user call (CreateAccessKey, login profiles, MFA). */
function userTarget(
  c: Ctx,
  name: string | undefined,
): { target: Target; selfTarget: boolean; name?: string } {
  const ui = c.r.userIdentity;
  if (!name) {
    // No userName: the call acts on the caller itself (its own user, or the root account).
    if (ui.type === "Root")
      return { target: { ...accountTarget(c, "root"), id: c.actor.id }, selfTarget: true };
    return { target: resourceTarget(c, "user", c.actor.id), selfTarget: true, name: ui.userName };
  }
  const self = ui.type === "IAMUser" && ui.userName === name;
  return { target: resourceTarget(c, "user", iamArn(c, "user", name)), selfTarget: self, name };
}

const S3_GROUP_MEMBERS: Record<string, string> = {
  "http://acs.amazonaws.com/groups/global/AllUsers": "allUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "allAuthenticatedUsers",
};

const CANNED_ACL_GRANTS: Record<string, Grant[]> = {
  "public-read": [{ role: "READ", member: "allUsers" }],
  "public-read-write": [
    { role: "READ", member: "allUsers" },
    { role: "WRITE", member: "allUsers" },
  ],
  "authenticated-read": [{ role: "READ", member: "allAuthenticatedUsers" }],
};

/** S3 grantee → member: AllUsers → allUsers, AuthenticatedUsers → allAuthenticatedUsers, else id/email/URI. */
function s3Member(grantee: Record<string, unknown>): string {
  const uri = str(grantee.URI);
  if (uri) return S3_GROUP_MEMBERS[uri] ?? uri;
  return str(grantee.ID) ?? str(grantee.EmailAddress) ?? str(grantee.emailAddress) ?? "unknown";
}

/** x-amz-grant-read: ['uri="http://acs.amazonaws.com/groups/global/AllUsers", id="…"'] → members. */
function headerGrantMembers(v: unknown): string[] {
  const out: string[] = [];
  for (const item of list(v)) {
    if (typeof item !== "string") continue;
    for (const part of item.split(",")) {
      const m = /^\s*(uri|id|emailAddress)\s*=\s*"?([^"]+)"?\s*$/i.exec(part);
      if (!m) continue;
      out.push(m[1].toLowerCase() === "uri" ? (S3_GROUP_MEMBERS[m[2]] ?? m[2]) : m[2]);
    }
  }
  return out;
}

function headerValue(v: unknown): string | undefined {
  const first = list(v)[0];
  return typeof first === "string" ? first : undefined;
}

function s3AclGrants(req: Record<string, unknown>): { grants: Grant[]; cannedAcl?: string } {
  const grants: Grant[] = [];
  const cannedAcl = headerValue(req["x-amz-acl"]);
  if (cannedAcl) grants.push(...(CANNED_ACL_GRANTS[cannedAcl] ?? []));
  const headers: Record<string, string> = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
  };
  for (const [h, role] of Object.entries(headers)) {
    for (const member of headerGrantMembers(req[h])) grants.push({ role, member });
  }
  const acp = obj(req.AccessControlPolicy);
  const acl = obj(acp?.AccessControlList);
  for (const g of list(acl?.Grant)) {
    const grant = obj(g);
    const grantee = obj(grant?.Grantee);
    if (!grant || !grantee) continue;
    grants.push({ role: str(grant.Permission) ?? "UNKNOWN", member: s3Member(grantee) });
  }
  return { grants, cannedAcl };
}

function publicAccessBlock(req: Record<string, unknown>): PublicAccessBlock | undefined {
  const cfg = obj(req.PublicAccessBlockConfiguration) ?? obj(req.publicAccessBlockConfiguration);
  if (!cfg) return undefined;
  const out: PublicAccessBlock = {};
  for (const k of [
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
  ] as const) {
    const b = bool(cfg[k]);
    if (b !== undefined) out[k] = b;
  }
  return out;
}

/** EC2 ModifySnapshotAttribute / ModifyImageAttribute: {add: {items: [{group: "all"} | {userId}]}}. */
function ec2Permission(v: unknown): { add: string[]; remove: string[] } {
  const p = obj(v);
  const read = (side: unknown) =>
    list(obj(side)?.items)
      .map((i) => obj(i))
      .map((i) => str(i?.group) ?? str(i?.userId))
      .filter((x): x is string => !!x);
  return { add: read(p?.add), remove: read(p?.remove) };
}

/** EC2 writes `{ DeleteFlowLogsRequest: { FlowLogId: { content, tag } } }` or a flat list. */
function flowLogIds(req: Record<string, unknown>): string[] {
  const inner = obj(req.DeleteFlowLogsRequest) ?? req;
  const ids = list(inner.FlowLogId ?? inner.flowLogIds ?? inner.FlowLogIds);
  return ids.map((x) => (typeof x === "string" ? x : str(obj(x)?.content))).filter((x): x is string => !!x);
}

function trailTarget(c: Ctx, name: string | undefined): Target {
  const n = name ?? "unknown-trail";
  const id = n.startsWith("arn:")
    ? n
    : `arn:${c.partition}:cloudtrail:${c.r.awsRegion ?? ""}:${c.account ?? ""}:trail/${n}`;
  return resourceTarget(c, "trail", id);
}

function sharedMember(v: string): string {
  return v === "all" ? "allUsers" : v;
}

type Handler = (c: Ctx) => Parsed;

/** Handlers' details when they add none (only read, key by key, into the event's own). */
const NO_DETAILS: AwsDetails = Object.freeze({});
/** requestParameters / responseElements of a record that has none (handlers only read them). */
const NO_FIELDS: Record<string, unknown> = Object.freeze({});

function none(
  target: Target,
  details: AwsDetails = NO_DETAILS,
  policyDocuments: PolicyDocument[] = [],
): Parsed {
  return { target, grants: [], revokes: [], policyDocuments, details };
}

const attachPolicy =
  (detach: boolean): Handler =>
  (c) => {
    const subj = iamSubject(c);
    const policyArn = str(c.req.policyArn) ?? "unknown-policy";
    const target = subj ? resourceTarget(c, subj.kind, subj.arn) : accountTarget(c);
    const g: Grant[] = subj ? [{ role: policyArn, member: subj.arn }] : [];
    // Added to the subject's details, not spread into a new object (a spread was the costliest line).
    const details = subjectDetails(subj);
    details.policyArn = policyArn;
    return { target, grants: detach ? [] : g, revokes: detach ? g : [], policyDocuments: [], details };
  };

const inlinePolicy =
  (remove: boolean): Handler =>
  (c) => {
    const subj = iamSubject(c);
    const policyName = str(c.req.policyName) ?? "unknown-inline-policy";
    const target = subj ? resourceTarget(c, subj.kind, subj.arn) : accountTarget(c);
    const g: Grant[] = subj ? [{ role: policyName, member: subj.arn }] : [];
    const docs =
      !remove && c.req.policyDocument !== undefined
        ? [parseDoc(policyName, c.req.policyDocument, c.docErrors)]
        : [];
    const details = subjectDetails(subj);
    details.inlinePolicyName = policyName;
    return {
      target,
      grants: remove ? [] : g,
      revokes: remove ? g : [],
      policyDocuments: docs,
      details,
    };
  };

const accessKey: Handler = (c) => {
  const key = obj(c.res.accessKey);
  const name = str(c.req.userName) ?? str(key?.userName);
  const requested = str(c.req.userName);
  const t = userTarget(c, requested);
  // A key created for a named user that is the caller is still self-service.
  const selfTarget = requested ? t.selfTarget : name === undefined || name === c.r.userIdentity.userName;
  return none(t.target, {
    userName: name ?? t.name,
    accessKeyId: str(key?.accessKeyId) ?? str(c.req.accessKeyId),
    accessKeyStatus: str(key?.status) ?? str(c.req.status),
    selfTarget,
  });
};

const loginProfile: Handler = (c) => {
  const t = userTarget(c, str(c.req.userName));
  return none(t.target, {
    userName: t.name,
    selfTarget: t.selfTarget,
    passwordResetRequired: bool(c.req.passwordResetRequired),
  });
};

const groupMembership =
  (remove: boolean): Handler =>
  (c) => {
    const group = str(c.req.groupName) ?? "unknown-group";
    const user = str(c.req.userName) ?? "unknown-user";
    const g: Grant[] = [{ role: iamArn(c, "group", group), member: iamArn(c, "user", user) }];
    return {
      target: resourceTarget(c, "group", iamArn(c, "group", group)),
      grants: remove ? [] : g,
      revokes: remove ? g : [],
      policyDocuments: [],
      details: { groupName: group, userName: user },
    };
  };

const groupLifecycle: Handler = (c) => {
  const group = str(c.req.groupName) ?? "unknown-group";
  const arn = str(obj(c.res.group)?.arn) ?? iamArn(c, "group", group);
  return none(resourceTarget(c, "group", arn), { groupName: group });
};

const trustPolicy =
  (field: "assumeRolePolicyDocument" | "policyDocument"): Handler =>
  (c) => {
    const roleName = str(c.req.roleName) ?? "unknown-role";
    const role = obj(c.res.role);
    const arn = str(role?.arn) ?? iamArn(c, "role", roleName);
    const doc = c.req[field];
    return {
      target: resourceTarget(c, "role", arn),
      grants: [],
      revokes: [],
      policyDocuments: doc !== undefined ? [parseDoc("AssumeRolePolicyDocument", doc, c.docErrors)] : [],
      details: { roleName },
    };
  };

const bucketName = (c: Ctx) => str(c.req.bucketName) ?? "unknown-bucket";
const bucketTarget = (c: Ctx) => resourceTarget(c, "bucket", `arn:${c.partition}:s3:::${bucketName(c)}`);

const s3Acl: Handler = (c) => {
  const key = str(c.req.key);
  const target = key
    ? resourceTarget(c, "object", `arn:${c.partition}:s3:::${bucketName(c)}/${key}`)
    : bucketTarget(c);
  const { grants, cannedAcl } = s3AclGrants(c.req);
  return { target, grants, revokes: [], policyDocuments: [], details: { cannedAcl } };
};

/** Bucket-level PAB when a bucket is named; account-level (s3control) otherwise. */
const pab =
  (remove: boolean): Handler =>
  (c) => {
    const target = str(c.req.bucketName) ? bucketTarget(c) : accountTarget(c);
    return none(
      target,
      remove ? { publicAccessBlockDeleted: true } : { publicAccessBlock: publicAccessBlock(c.req) },
    );
  };

const ec2Share =
  (kind: "snapshot" | "image", idKey: string, permKey: string): Handler =>
  (c) => {
    const id = str(c.req[idKey]) ?? `unknown-${kind}`;
    const { add, remove } = ec2Permission(c.req[permKey]);
    const arnKind = kind === "snapshot" ? "snapshot" : "image";
    const role = permKey;
    return {
      target: resourceTarget(c, kind, `arn:${c.partition}:ec2:${c.r.awsRegion ?? ""}::${arnKind}/${id}`),
      grants: add.map((m) => ({ role, member: sharedMember(m) })),
      revokes: remove.map((m) => ({ role, member: sharedMember(m) })),
      policyDocuments: [],
      details: { sharedWith: add, unsharedWith: remove },
    };
  };

const rdsShare =
  (cluster: boolean): Handler =>
  (c) => {
    const id =
      str(cluster ? c.req.dBClusterSnapshotIdentifier : c.req.dBSnapshotIdentifier) ?? "unknown-db-snapshot";
    const kind = cluster ? "cluster-snapshot" : "snapshot";
    const arn = id.startsWith("arn:")
      ? id
      : `arn:${c.partition}:rds:${c.r.awsRegion ?? ""}:${c.account ?? ""}:${kind}:${id}`;
    const add = list(c.req.valuesToAdd).filter((x): x is string => typeof x === "string");
    const remove = list(c.req.valuesToRemove).filter((x): x is string => typeof x === "string");
    const role = str(c.req.attributeName) ?? "restore";
    return {
      target: resourceTarget(c, cluster ? "dbClusterSnapshot" : "dbSnapshot", arn),
      grants: add.map((m) => ({ role, member: sharedMember(m) })),
      revokes: remove.map((m) => ({ role, member: sharedMember(m) })),
      policyDocuments: [],
      details: { sharedWith: add, unsharedWith: remove },
    };
  };

function kmsKeyTarget(c: Ctx): Target {
  const keyId = str(c.req.keyId) ?? "unknown-key";
  const fromResources = c.r.resources?.find((x) => x.ARN?.includes(":key/"))?.ARN;
  const arn = keyId.startsWith("arn:")
    ? keyId
    : (fromResources ?? `arn:${c.partition}:kms:${c.r.awsRegion ?? ""}:${c.account ?? ""}:key/${keyId}`);
  return resourceTarget(c, "key", arn);
}

const HANDLERS: Record<string, Handler> = {
  "iam:AttachUserPolicy": attachPolicy(false),
  "iam:AttachRolePolicy": attachPolicy(false),
  "iam:AttachGroupPolicy": attachPolicy(false),
  "iam:DetachUserPolicy": attachPolicy(true),
  "iam:DetachRolePolicy": attachPolicy(true),
  "iam:DetachGroupPolicy": attachPolicy(true),
  "iam:PutUserPolicy": inlinePolicy(false),
  "iam:PutRolePolicy": inlinePolicy(false),
  "iam:PutGroupPolicy": inlinePolicy(false),
  "iam:DeleteUserPolicy": inlinePolicy(true),
  "iam:DeleteRolePolicy": inlinePolicy(true),
  "iam:DeleteGroupPolicy": inlinePolicy(true),
  "iam:CreatePolicy": (c) => {
    const name = str(c.req.policyName) ?? "unknown-policy";
    const path = (str(c.req.path) ?? "/").replace(/^\/+/, "");
    const arn = str(obj(c.res.policy)?.arn) ?? iamArn(c, "policy", `${path}${name}`);
    return none(
      resourceTarget(c, "policy", arn),
      { policyArn: arn },
      c.req.policyDocument !== undefined ? [parseDoc(name, c.req.policyDocument, c.docErrors)] : [],
    );
  },
  "iam:CreatePolicyVersion": (c) => {
    const arn = str(c.req.policyArn) ?? "unknown-policy";
    return none(
      resourceTarget(c, "policy", arn),
      { policyArn: arn, setAsDefault: bool(c.req.setAsDefault) ?? false },
      c.req.policyDocument !== undefined ? [parseDoc(arn, c.req.policyDocument, c.docErrors)] : [],
    );
  },
  "iam:SetDefaultPolicyVersion": (c) => {
    const arn = str(c.req.policyArn) ?? "unknown-policy";
    return none(resourceTarget(c, "policy", arn), { policyArn: arn, setAsDefault: true });
  },
  "iam:CreateAccessKey": accessKey,
  "iam:UpdateAccessKey": accessKey,
  "iam:DeleteAccessKey": accessKey,
  "iam:CreateLoginProfile": loginProfile,
  "iam:UpdateLoginProfile": loginProfile,
  "iam:DeleteLoginProfile": loginProfile,
  "iam:AddUserToGroup": groupMembership(false),
  "iam:RemoveUserFromGroup": groupMembership(true),
  "iam:CreateGroup": groupLifecycle,
  "iam:DeleteGroup": groupLifecycle,
  "iam:CreateRole": trustPolicy("assumeRolePolicyDocument"),
  "iam:UpdateAssumeRolePolicy": trustPolicy("policyDocument"),
  "iam:DeleteRole": trustPolicy("policyDocument"),
  "iam:CreateUser": (c) => {
    const name = str(c.req.userName) ?? "unknown-user";
    const arn = str(obj(c.res.user)?.arn) ?? iamArn(c, "user", name);
    return none(resourceTarget(c, "user", arn), { userName: name });
  },
  "iam:DeleteUser": (c) => {
    const name = str(c.req.userName) ?? "unknown-user";
    return none(resourceTarget(c, "user", iamArn(c, "user", name)), { userName: name });
  },
  "iam:DeactivateMFADevice": (c) => {
    const t = userTarget(c, str(c.req.userName));
    return none(t.target, { userName: t.name, mfaSerial: str(c.req.serialNumber), selfTarget: t.selfTarget });
  },
  "iam:DeleteVirtualMFADevice": (c) => {
    const serial = str(c.req.serialNumber) ?? "unknown-mfa";
    // arn:aws:iam::111122223333:mfa/alice → the device; its user is usually the device name.
    return none(resourceTarget(c, "mfaDevice", serial), { mfaSerial: serial });
  },
  "s3:PutBucketPolicy": (c) => {
    const doc = parseDoc("BucketPolicy", c.req.bucketPolicy ?? c.req.policy, c.docErrors);
    return none(bucketTarget(c), {}, [doc]);
  },
  "s3:DeleteBucketPolicy": (c) => none(bucketTarget(c)),
  "s3:PutBucketAcl": s3Acl,
  "s3:PutObjectAcl": s3Acl,
  "s3:CreateBucket": s3Acl,
  "s3:PutBucketPublicAccessBlock": pab(false),
  "s3:PutPublicAccessBlock": pab(false),
  "s3:PutAccountPublicAccessBlock": pab(false),
  "s3:DeleteBucketPublicAccessBlock": pab(true),
  "s3:DeletePublicAccessBlock": pab(true),
  "s3:DeleteAccountPublicAccessBlock": pab(true),
  "ec2:ModifySnapshotAttribute": ec2Share("snapshot", "snapshotId", "createVolumePermission"),
  "ec2:ModifyImageAttribute": ec2Share("image", "imageId", "launchPermission"),
  "rds:ModifyDBSnapshotAttribute": rdsShare(false),
  "rds:ModifyDBClusterSnapshotAttribute": rdsShare(true),
  "ec2:DeleteFlowLogs": (c) => none(accountTarget(c, "flowLogs"), { flowLogIds: flowLogIds(c.req) }),
  "kms:PutKeyPolicy": (c) =>
    none(
      kmsKeyTarget(c),
      {},
      c.req.policy !== undefined
        ? [parseDoc(str(c.req.policyName) ?? "default", c.req.policy, c.docErrors)]
        : [],
    ),
  "kms:CreateGrant": (c) => {
    const grantee = str(c.req.granteePrincipal) ?? "unknown-principal";
    const ops = list(c.req.operations).filter((x): x is string => typeof x === "string");
    return {
      ...none(kmsKeyTarget(c), { granteePrincipal: grantee, grantOperations: ops }),
      grants: [{ role: ops.map((o) => `kms:${o}`).join(",") || "kms:grant", member: grantee }],
    };
  },
  "cloudtrail:StopLogging": (c) => none(trailTarget(c, str(c.req.name))),
  "cloudtrail:DeleteTrail": (c) => none(trailTarget(c, str(c.req.name))),
  "cloudtrail:StartLogging": (c) => none(trailTarget(c, str(c.req.name))),
  "cloudtrail:UpdateTrail": (c) =>
    none(trailTarget(c, str(c.req.name)), {
      isMultiRegionTrail: bool(c.req.isMultiRegionTrail),
      includeGlobalServiceEvents: bool(c.req.includeGlobalServiceEvents),
      enableLogFileValidation: bool(c.req.enableLogFileValidation),
    }),
  "cloudtrail:PutEventSelectors": (c) => {
    const selectors = list(c.req.eventSelectors)
      .map((s) => obj(s))
      .filter((s): s is Record<string, unknown> => !!s)
      .map((s) => ({
        readWriteType: str(s.readWriteType),
        includeManagementEvents: bool(s.includeManagementEvents),
      }));
    const advanced = list(c.req.advancedEventSelectors)
      .map((s) => obj(s))
      .filter((s): s is Record<string, unknown> => !!s);
    // Basic selectors keep management events unless includeManagementEvents is false; advanced
    // selectors keep them only with an eventCategory = Management field selector.
    const basicKeeps = selectors.some((s) => s.includeManagementEvents !== false);
    const advancedKeeps = advanced.some((s) =>
      list(s.fieldSelectors).some((f) => {
        const fs = obj(f);
        return fs?.field === "eventCategory" && list(fs.equals).includes("Management");
      }),
    );
    const kept = selectors.length > 0 ? basicKeeps : advancedKeeps;
    // Write (mutating) management events survive a basic selector with All / WriteOnly, or an
    // advanced Management selector without readOnly = true.
    const basicKeepsWrites = selectors.some(
      (s) => s.includeManagementEvents !== false && s.readWriteType !== "ReadOnly",
    );
    const advancedKeepsWrites = advanced.some((s) => {
      const fields = list(s.fieldSelectors).map((f) => obj(f));
      const management = fields.some(
        (f) => f?.field === "eventCategory" && list(f.equals).includes("Management"),
      );
      const readOnlyOnly = fields.some((f) => f?.field === "readOnly" && list(f.equals).includes("true"));
      return management && !readOnlyOnly;
    });
    const keptWrites = selectors.length > 0 ? basicKeepsWrites : advancedKeepsWrites;
    return none(trailTarget(c, str(c.req.trailName)), {
      eventSelectors: selectors,
      managementEventsExcluded: !kept,
      managementWritesExcluded: !keptWrites,
    });
  },
  "guardduty:DeleteDetector": (c) =>
    none(
      resourceTarget(
        c,
        "detector",
        `arn:${c.partition}:guardduty:${c.r.awsRegion ?? ""}:${c.account ?? ""}:detector/${str(c.req.detectorId) ?? "unknown"}`,
      ),
    ),
  "guardduty:UpdateDetector": (c) =>
    none(
      resourceTarget(
        c,
        "detector",
        `arn:${c.partition}:guardduty:${c.r.awsRegion ?? ""}:${c.account ?? ""}:detector/${str(c.req.detectorId) ?? "unknown"}`,
      ),
      { detectorEnabled: bool(c.req.enable) },
    ),
  "config:StopConfigurationRecorder": (c) =>
    none(
      resourceTarget(
        c,
        "configRecorder",
        `arn:${c.partition}:config:${c.r.awsRegion ?? ""}:${c.account ?? ""}:configuration-recorder/${str(c.req.configurationRecorderName) ?? "default"}`,
      ),
    ),
  "config:DeleteConfigurationRecorder": (c) =>
    none(
      resourceTarget(
        c,
        "configRecorder",
        `arn:${c.partition}:config:${c.r.awsRegion ?? ""}:${c.account ?? ""}:configuration-recorder/${str(c.req.configurationRecorderName) ?? "default"}`,
      ),
    ),
  "config:DeleteDeliveryChannel": (c) =>
    none(
      resourceTarget(
        c,
        "deliveryChannel",
        `arn:${c.partition}:config:${c.r.awsRegion ?? ""}:${c.account ?? ""}:delivery-channel/${str(c.req.deliveryChannelName) ?? "default"}`,
      ),
    ),
  "signin:ConsoleLogin": (c) => {
    const outcome = str(c.res.ConsoleLogin);
    const mfa = obj(c.r.additionalEventData)?.MFAUsed;
    const consoleLogin = outcome === "Success" || outcome === "Failure" ? outcome : undefined;
    return {
      ...none(accountTarget(c), {
        consoleLogin,
        mfaUsed: mfa === "Yes" ? true : mfa === "No" ? false : undefined,
      }),
      success: consoleLogin !== "Failure" && !c.r.errorCode && c.r.errorMessage === undefined,
    };
  },
  "sts:AssumeRole": (c) => {
    const roleArn = str(c.req.roleArn) ?? "unknown-role";
    const roleAccount = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(roleArn)?.[1] ?? c.r.recipientAccountId;
    const caller = c.r.userIdentity.accountId;
    const target: Target = {
      kind: "role",
      id: roleArn,
      project: roleAccount,
      level: "resource",
      region: c.r.awsRegion,
    };
    return none(target, {
      roleArn,
      roleSessionName: str(c.req.roleSessionName),
      externalId: c.req.externalId !== undefined,
      crossAccount: !!caller && !!roleAccount && caller !== roleAccount,
    });
  },
};

/** Target of a call no handler reads: the first named resource, else the account. */
function genericTarget(c: Ctx): Target {
  const res = c.r.resources?.[0];
  if (res?.ARN)
    return { ...resourceTarget(c, res.type ?? "resource", res.ARN), project: res.accountId ?? c.account };
  const subj = c.r.eventSource.startsWith("iam.") ? iamSubject(c) : undefined;
  if (subj) return resourceTarget(c, subj.kind, subj.arn);
  if (str(c.req.bucketName)) return bucketTarget(c);
  return accountTarget(c);
}

/**
 * The record's own details, set key by key in the order the schema lists them, only when present:
 * no undefined values, and no copy to strip them.
 */
function recordDetails(r: CloudTrailRecord, callerAccessKeyId: string | undefined): AwsDetails {
  const ui = r.userIdentity;
  const details: AwsDetails = {};
  if (ui.type !== undefined) details.identityType = ui.type;
  if (ui.accountId !== undefined) details.callerAccount = ui.accountId;
  if (r.recipientAccountId !== undefined) details.recipientAccount = r.recipientAccountId;
  if (callerAccessKeyId !== undefined) details.callerAccessKeyId = callerAccessKeyId;
  if (ui.invokedBy !== undefined) details.invokedBy = ui.invokedBy;
  if (r.eventType !== undefined) details.eventType = r.eventType;
  if (r.readOnly !== undefined) details.readOnly = r.readOnly;
  if (r.requestID !== undefined) details.requestId = r.requestID;
  if (r.awsRegion !== undefined) details.region = r.awsRegion;
  return details;
}

/** One CloudTrail record → IamEvent. Throws an Error naming the problem on a malformed record. */
export function normalizeCloudTrailRecord(record: unknown): IamEvent {
  const parsed = parseCloudTrailRecord(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `malformed CloudTrail record: ${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const r = parsed.data;
  const ui = r.userIdentity;
  const additional = r.additionalEventData ?? undefined;
  const actor = actorFromIdentity(ui, additional);
  const account = r.recipientAccountId ?? ui.accountId;
  const partition = ui.arn?.startsWith("arn:aws:")
    ? "aws"
    : (/^arn:(aws[\w-]*):/.exec(ui.arn ?? "")?.[1] ?? "aws");
  const c: Ctx = {
    r,
    req: r.requestParameters ?? NO_FIELDS,
    res: r.responseElements ?? NO_FIELDS,
    account,
    partition,
    actor,
    docErrors: [],
  };
  const call = callInfo(r.eventSource, r.eventName);
  const handler = call.handler;
  const p = handler ? handler(c) : none(genericTarget(c));
  const success = p.success ?? (r.errorCode === undefined || r.errorCode === "");

  const callerAccessKeyId = str(ui.accessKeyId);
  // The usual record (a caller's own API call) carries all of these and no invokedBy: one literal,
  // the same keys in the same order as key by key, without growing the object's property storage
  // one key at a time.
  const details: AwsDetails =
    ui.type !== undefined &&
    ui.accountId !== undefined &&
    r.recipientAccountId !== undefined &&
    callerAccessKeyId !== undefined &&
    ui.invokedBy === undefined &&
    r.eventType !== undefined &&
    r.readOnly !== undefined &&
    r.requestID !== undefined &&
    r.awsRegion !== undefined
      ? {
          identityType: ui.type,
          callerAccount: ui.accountId,
          recipientAccount: r.recipientAccountId,
          callerAccessKeyId,
          eventType: r.eventType,
          readOnly: r.readOnly,
          requestId: r.requestID,
          region: r.awsRegion,
        }
      : recordDetails(r, callerAccessKeyId);
  if (c.docErrors.length) details.policyDocumentErrors = c.docErrors;
  for (const k in p.details) {
    const v = p.details[k as keyof AwsDetails];
    if (v !== undefined) (details as Record<string, unknown>)[k] = v;
  }
  const event: IamEvent = {
    id: r.eventID,
    source: "aws",
    time: isoTime(r.eventTime),
    actor,
    action: r.eventName,
    service: r.eventSource,
    target: p.target,
    // A failed call changed nothing: never report its grants as granted.
    grants: success ? p.grants : [],
    revokes: success ? p.revokes : [],
    policyDocuments: p.policyDocuments,
    permissionsUsed: [call.permission],
    success,
    errorCode: r.errorCode || undefined,
    errorMessage: r.errorMessage,
    sourceIp: r.sourceIPAddress,
    userAgent: r.userAgent,
    details,
    raw: record,
  };
  knownAwsDetails(event, details);
  return event;
}
