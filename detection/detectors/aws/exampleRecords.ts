import { createHash } from "node:crypto";

/**
 * Builders of raw CloudTrail records in AWS's documented shape (CloudTrail record contents,
 * userIdentity element), so each detector's examples stay short and realistic. Account
 * 111122223333 is "ours" (the example context's internal account), 444455556666 an outsider.
 */

export const OWN_ACCOUNT = "111122223333";
export const EXTERNAL_ACCOUNT = "444455556666";
export const BASE_TIME = "2026-03-02T10:15:00Z";

export type UserIdentityJson = Record<string, unknown>;

export function iamUser(
  name: string,
  opts: { account?: string; accessKeyId?: string } = {},
): UserIdentityJson {
  const account = opts.account ?? OWN_ACCOUNT;
  return {
    type: "IAMUser",
    principalId: `AIDA${hash(name).slice(0, 16).toUpperCase()}`,
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    accessKeyId: opts.accessKeyId ?? `AKIA${hash(`${name}key`).slice(0, 16).toUpperCase()}`,
    userName: name,
  };
}

export function assumedRole(
  role: string,
  session: string,
  opts: { account?: string; mfa?: boolean } = {},
): UserIdentityJson {
  const account = opts.account ?? OWN_ACCOUNT;
  const roleId = `AROA${hash(role).slice(0, 16).toUpperCase()}`;
  return {
    type: "AssumedRole",
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: `ASIA${hash(`${role}${session}`).slice(0, 16).toUpperCase()}`,
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: roleId,
        arn: `arn:aws:iam::${account}:role/${role}`,
        accountId: account,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: "2026-03-02T09:58:12Z", mfaAuthenticated: String(opts.mfa ?? false) },
    },
  };
}

export function rootIdentity(
  opts: { account?: string; mfa?: boolean; accessKeyId?: string } = {},
): UserIdentityJson {
  const account = opts.account ?? OWN_ACCOUNT;
  return {
    type: "Root",
    principalId: account,
    arn: `arn:aws:iam::${account}:root`,
    accountId: account,
    accessKeyId: opts.accessKeyId ?? "",
    ...(opts.mfa === undefined
      ? {}
      : {
          sessionContext: {
            attributes: { creationDate: "2026-03-02T10:01:00Z", mfaAuthenticated: String(opts.mfa) },
          },
        }),
  };
}

/** A caller from another account as the target account's trail records it. */
export function awsAccount(account: string, principalId = "AIDAEXTERNALEXAMPLE01"): UserIdentityJson {
  return { type: "AWSAccount", principalId, accountId: account };
}

export function awsService(invokedBy: string): UserIdentityJson {
  return { type: "AWSService", invokedBy };
}

export interface RecordSpec {
  identity: UserIdentityJson;
  eventSource: string;
  eventName: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  errorCode?: string;
  errorMessage?: string;
  /** Seconds after BASE_TIME. */
  at?: number;
  region?: string;
  readOnly?: boolean;
  eventType?: string;
  recipientAccountId?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  resources?: Record<string, unknown>[];
  /** Distinguishes otherwise identical records (their eventID is a hash of the record). */
  salt?: string;
}

function hash(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function uuidFrom(s: string): string {
  const h = hash(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** IAM, STS, sign-in and the other global services record in us-east-1. */
const GLOBAL_SOURCES = new Set(["iam.amazonaws.com", "signin.amazonaws.com", "sts.amazonaws.com"]);

export function ctRecord(spec: RecordSpec): Record<string, unknown> {
  const time = new Date(Date.parse(BASE_TIME) + (spec.at ?? 0) * 1000).toISOString().replace(".000Z", "Z");
  const region = spec.region ?? (GLOBAL_SOURCES.has(spec.eventSource) ? "us-east-1" : "eu-west-1");
  const readOnly = spec.readOnly ?? /^(Get|List|Describe|Head)/.test(spec.eventName);
  const seed = JSON.stringify([spec, time]);
  const rec: Record<string, unknown> = {
    eventVersion: "1.08",
    userIdentity: spec.identity,
    eventTime: time,
    eventSource: spec.eventSource,
    eventName: spec.eventName,
    awsRegion: region,
    sourceIPAddress: spec.sourceIPAddress ?? "203.0.113.24",
    userAgent: spec.userAgent ?? "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off",
  };
  if (spec.errorCode) rec.errorCode = spec.errorCode;
  if (spec.errorMessage) rec.errorMessage = spec.errorMessage;
  rec.requestParameters = spec.requestParameters === undefined ? null : spec.requestParameters;
  rec.responseElements = spec.responseElements === undefined ? null : spec.responseElements;
  if (spec.additionalEventData) rec.additionalEventData = spec.additionalEventData;
  rec.requestID = uuidFrom(`req${seed}`);
  rec.eventID = uuidFrom(`evt${seed}`);
  rec.readOnly = readOnly;
  if (spec.resources) rec.resources = spec.resources;
  rec.eventType = spec.eventType ?? "AwsApiCall";
  rec.managementEvent = true;
  rec.recipientAccountId = spec.recipientAccountId ?? OWN_ACCOUNT;
  rec.eventCategory = "Management";
  return rec;
}

/** An IAM API call (iam.amazonaws.com, us-east-1). */
export function iamCall(
  identity: UserIdentityJson,
  eventName: string,
  requestParameters: Record<string, unknown> | null,
  extra: Partial<RecordSpec> = {},
): Record<string, unknown> {
  return ctRecord({ identity, eventSource: "iam.amazonaws.com", eventName, requestParameters, ...extra });
}

/** A failed call: CloudTrail records errorCode/errorMessage and no responseElements. */
export function denied(spec: RecordSpec, errorCode = "AccessDenied"): Record<string, unknown> {
  const who = (spec.identity.arn as string | undefined) ?? "the caller";
  return ctRecord({
    ...spec,
    errorCode,
    errorMessage: `User: ${who} is not authorized to perform: ${spec.eventSource.split(".")[0]}:${spec.eventName}`,
    responseElements: null,
  });
}

/** A ConsoleLogin record (signin.amazonaws.com, eventType AwsConsoleSignIn). */
export function consoleLogin(
  identity: UserIdentityJson,
  opts: { mfa: boolean; success?: boolean; at?: number } = { mfa: true },
): Record<string, unknown> {
  const success = opts.success ?? true;
  return ctRecord({
    identity,
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    eventType: "AwsConsoleSignIn",
    readOnly: false,
    at: opts.at,
    userAgent:
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    requestParameters: null,
    responseElements: { ConsoleLogin: success ? "Success" : "Failure" },
    errorMessage: success ? undefined : "Failed authentication",
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
      MobileVersion: "No",
      MFAUsed: opts.mfa ? "Yes" : "No",
    },
  });
}

/** A policy document as the IAM API receives it (and CloudTrail records it): URL-encoded JSON. */
export function urlEncodedPolicy(doc: unknown): string {
  return encodeURIComponent(JSON.stringify(doc));
}

export function policy(...statements: Record<string, unknown>[]): Record<string, unknown> {
  return { Version: "2012-10-17", Statement: statements };
}

export function createUser(actor: UserIdentityJson, userName: string, at = 0): Record<string, unknown> {
  return iamCall(
    actor,
    "CreateUser",
    { userName },
    {
      at,
      responseElements: {
        user: {
          path: "/",
          userName,
          userId: `AIDA${hash(userName).slice(0, 16).toUpperCase()}`,
          arn: `arn:aws:iam::${OWN_ACCOUNT}:user/${userName}`,
          createDate: "Mar 2, 2026 10:15:00 AM",
        },
      },
    },
  );
}

export function attachPolicy(
  actor: UserIdentityJson,
  kind: "User" | "Role" | "Group",
  name: string,
  policyArn: string,
  extra: Partial<RecordSpec> = {},
): Record<string, unknown> {
  return iamCall(actor, `Attach${kind}Policy`, { [`${kind.toLowerCase()}Name`]: name, policyArn }, extra);
}

export function putInlinePolicy(
  actor: UserIdentityJson,
  kind: "User" | "Role" | "Group",
  name: string,
  policyName: string,
  doc: unknown,
  extra: Partial<RecordSpec> = {},
): Record<string, unknown> {
  return iamCall(
    actor,
    `Put${kind}Policy`,
    { [`${kind.toLowerCase()}Name`]: name, policyName, policyDocument: urlEncodedPolicy(doc) },
    extra,
  );
}

export function s3Call(
  identity: UserIdentityJson,
  eventName: string,
  bucketName: string,
  params: Record<string, unknown> = {},
  extra: Partial<RecordSpec> = {},
): Record<string, unknown> {
  return ctRecord({
    identity,
    eventSource: "s3.amazonaws.com",
    eventName,
    requestParameters: { bucketName, Host: `${bucketName}.s3.eu-west-1.amazonaws.com`, ...params },
    resources: [{ accountId: OWN_ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucketName}` }],
    userAgent: "[aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off]",
    ...extra,
  });
}

export const ALICE_ADMIN = iamUser("alice-admin");
export const DEPLOY_ROLE = assumedRole("ci-deploy", "github-actions-8841");
export const MALLORY = iamUser("mallory");

/** Any other service's call (CloudTrail, GuardDuty, Config, EC2, KMS...) in the account's region. */
export function serviceCall(
  identity: UserIdentityJson,
  eventSource: string,
  eventName: string,
  requestParameters: Record<string, unknown> | null,
  extra: Partial<RecordSpec> = {},
): Record<string, unknown> {
  return ctRecord({ identity, eventSource, eventName, requestParameters, ...extra });
}

/**
 * sts:AssumeRole as the role's account records it: the caller's identity (AWSAccount for a
 * principal of another account), the role in requestParameters and resources, temporary
 * credentials in responseElements (the secret and token are never logged in full).
 */
export function assumeRoleCall(
  identity: UserIdentityJson,
  roleArn: string,
  sessionName: string,
  opts: { externalId?: string; at?: number; errorCode?: string } = {},
): Record<string, unknown> {
  const account = /::(\d{12}):/.exec(roleArn)?.[1] ?? OWN_ACCOUNT;
  const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  const roleId = `AROA${hash(roleName).slice(0, 16).toUpperCase()}`;
  const spec: RecordSpec = {
    identity,
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    readOnly: true,
    at: opts.at,
    userAgent: "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.4",
    requestParameters: {
      roleArn,
      roleSessionName: sessionName,
      durationSeconds: 3600,
      ...(opts.externalId ? { externalId: opts.externalId } : {}),
    },
    responseElements: opts.errorCode
      ? null
      : {
          credentials: {
            accessKeyId: `ASIA${hash(`${roleArn}${sessionName}`).slice(0, 16).toUpperCase()}`,
            sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN",
            expiration: "Mar 2, 2026, 11:15:00 AM",
          },
          assumedRoleUser: {
            assumedRoleId: `${roleId}:${sessionName}`,
            arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
          },
        },
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: roleArn }],
    recipientAccountId: account,
  };
  return opts.errorCode ? denied(spec, opts.errorCode) : ctRecord(spec);
}

export const ROOT = rootIdentity({ mfa: true, accessKeyId: "ASIAROOTCONSOLE0001" });
export const ROOT_NO_MFA = rootIdentity({ mfa: false, accessKeyId: "ASIAROOTCONSOLE0002" });
