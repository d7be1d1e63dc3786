import { externalPrincipals, principalAccount, publicStatements } from "../../awsPolicy";
import { actionIn, type Detector, type FindingDraft } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import {
  ALICE_ADMIN,
  DEPLOY_ROLE,
  denied,
  EXTERNAL_ACCOUNT,
  MALLORY,
  OWN_ACCOUNT,
  policy,
  s3Call,
  serviceCall,
} from "./exampleRecords";
import { arnName, isCall, parsedDocs } from "./shared";

const KEY_ARN = `arn:aws:kms:eu-west-1:${OWN_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

function keyPolicy(...extra: Record<string, unknown>[]): string {
  return JSON.stringify(
    policy(
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${OWN_ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      },
      ...extra,
    ),
  );
}

/**
 * Resource policies that let another account in: a KMS key policy (PutKeyPolicy) or S3 bucket
 * policy (PutBucketPolicy) naming principals of accounts that are neither the resource's own
 * nor internal, and KMS CreateGrant to such a principal. A KMS key policy open to "*" with no
 * restricting condition is critical. (A public S3 policy is aws-s3-bucket-policy-public's.)
 */
export const awsResourcePolicyExternal: Detector = {
  id: "aws-resource-policy-external",
  title: "KMS key or S3 bucket shared with another account",
  category: "cross_account",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("PutKeyPolicy", "CreateGrant", "PutBucketPolicy"),
  match(event, ctx) {
    if (!event.success) return [];
    const own = event.target.project;
    const internal = ctx.internalAccounts;
    const kms = isCall(event, "kms", "PutKeyPolicy", "CreateGrant");
    const s3 = isCall(event, "s3", "PutBucketPolicy");
    if (!kms && !s3) return [];
    const bucket = event.target.id.replace(/^arn:aws[\w-]*:s3:::/, "");
    const what = kms ? `KMS key ${arnName(event.target.id)}` : `bucket ${bucket}`;
    const out: FindingDraft[] = [];
    if (event.action === "CreateGrant") {
      const grantee = awsDetails(event).granteePrincipal ?? "";
      const account = principalAccount(grantee);
      if (!account || account === "*" || account === own || internal.includes(account)) return [];
      return [
        {
          summary: `${event.actor.display} granted ${(awsDetails(event).grantOperations ?? []).join(", ") || "use"} on ${what} to ${grantee} (account ${account})`,
          evidence: {
            resource: event.target.id,
            account: own,
            externalAccounts: [account],
            principals: [grantee],
          },
        },
      ];
    }
    for (const d of parsedDocs(event)) {
      if (kms && publicStatements(d.policy).length) {
        out.push({
          severity: "critical",
          discriminator: "public",
          summary: `${event.actor.display} opened ${what} to any AWS principal (Principal "*", no restricting condition)`,
          evidence: { resource: event.target.id, account: own, principals: ["*"] },
        });
      }
      const ext = externalPrincipals(d.policy, own, internal);
      if (!ext.length) continue;
      const accounts = [...new Set(ext.map((e) => e.account))];
      out.push({
        discriminator: "external",
        summary: `${event.actor.display} let account${accounts.length > 1 ? "s" : ""} ${accounts.join(", ")} into ${what}`,
        evidence: {
          resource: event.target.id,
          account: own,
          externalAccounts: accounts,
          principals: [...new Set(ext.map((e) => e.principal))],
          ...(s3 ? { bucket } : {}),
        },
      });
    }
    return out;
  },
  examples: {
    fire: [
      {
        name: "KMS key policy granting decrypt to an outside account",
        record: serviceCall(
          MALLORY,
          "kms.amazonaws.com",
          "PutKeyPolicy",
          {
            keyId: KEY_ARN,
            policyName: "default",
            policy: keyPolicy({
              Sid: "Allow use",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:root` },
              Action: ["kms:Decrypt", "kms:DescribeKey"],
              Resource: "*",
            }),
            bypassPolicyLockoutSafetyCheck: false,
          },
          { resources: [{ accountId: OWN_ACCOUNT, type: "AWS::KMS::Key", ARN: KEY_ARN }] },
        ),
      },
      {
        name: "KMS key policy open to Principal * (critical)",
        record: serviceCall(MALLORY, "kms.amazonaws.com", "PutKeyPolicy", {
          keyId: KEY_ARN,
          policyName: "default",
          policy: keyPolicy({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }),
        }),
      },
      {
        name: "bucket policy letting an outside account read",
        record: s3Call(DEPLOY_ROLE, "PutBucketPolicy", "prod-exports", {
          bucketPolicy: policy({
            Sid: "PartnerRead",
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:role/partner-etl` },
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: ["arn:aws:s3:::prod-exports", "arn:aws:s3:::prod-exports/*"],
          }),
          policy: [""],
        }),
      },
      {
        name: "KMS grant to an outside role",
        record: serviceCall(MALLORY, "kms.amazonaws.com", "CreateGrant", {
          keyId: KEY_ARN,
          granteePrincipal: `arn:aws:iam::${EXTERNAL_ACCOUNT}:role/exfil`,
          operations: ["Decrypt"],
        }),
      },
    ],
    quiet: [
      {
        name: "KMS key policy for the own account and a service",
        record: serviceCall(ALICE_ADMIN, "kms.amazonaws.com", "PutKeyPolicy", {
          keyId: KEY_ARN,
          policyName: "default",
          policy: keyPolicy({
            Effect: "Allow",
            Principal: { Service: "logs.eu-west-1.amazonaws.com" },
            Action: ["kms:Encrypt*", "kms:Decrypt*"],
            Resource: "*",
          }),
        }),
      },
      {
        name: "KMS Principal * pinned to the own account (kms:CallerAccount)",
        record: serviceCall(ALICE_ADMIN, "kms.amazonaws.com", "PutKeyPolicy", {
          keyId: KEY_ARN,
          policyName: "default",
          policy: keyPolicy({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["kms:Decrypt"],
            Resource: "*",
            Condition: {
              StringEquals: {
                "kms:CallerAccount": OWN_ACCOUNT,
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
              },
            },
          }),
        }),
      },
      {
        name: "bucket policy for an internal account",
        context: { internalAccounts: [OWN_ACCOUNT, "222233334444"] },
        record: s3Call(ALICE_ADMIN, "PutBucketPolicy", "shared-artifacts", {
          bucketPolicy: policy({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::222233334444:root" },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::shared-artifacts/*",
          }),
        }),
      },
      {
        name: "outside-account key policy that KMS refused",
        record: denied({
          identity: MALLORY,
          eventSource: "kms.amazonaws.com",
          eventName: "PutKeyPolicy",
          requestParameters: {
            keyId: KEY_ARN,
            policyName: "default",
            policy: keyPolicy({
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${EXTERNAL_ACCOUNT}:root` },
              Action: "kms:*",
              Resource: "*",
            }),
          },
        }),
      },
      {
        name: "KMS grant to an own-account role",
        record: serviceCall(DEPLOY_ROLE, "kms.amazonaws.com", "CreateGrant", {
          keyId: KEY_ARN,
          granteePrincipal: `arn:aws:iam::${OWN_ACCOUNT}:role/ebs-encrypt`,
          operations: ["Encrypt", "Decrypt", "GenerateDataKey"],
        }),
      },
    ],
  },
};
