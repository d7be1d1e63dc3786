import { asList, publicStatements } from "../../awsPolicy";
import { actionIn, type Detector, NO_FINDINGS } from "../../detector";
import type { AwsStatement } from "../../referenceData";
import { ALICE_ADMIN, DEPLOY_ROLE, policy, s3Call } from "./exampleRecords";
import { isCall, parsedDocs } from "./shared";

/** S3 PutBucketPolicy that lets anyone ("*" / {"AWS":"*"}) in without a restricting condition. */
export const awsS3BucketPolicyPublic: Detector = {
  id: "aws-s3-bucket-policy-public",
  title: "S3 bucket policy opens the bucket to everyone",
  category: "public_exposure",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn("PutBucketPolicy"),
  playbook: "block-public-s3",
  match(event) {
    if (!event.success || !isCall(event, "s3", "PutBucketPolicy")) return NO_FINDINGS;
    // Plain loops: flatMap and a spread Set cost microseconds per call in V8.
    const open: AwsStatement[] = [];
    for (const d of parsedDocs(event)) for (const s of publicStatements(d.policy)) open.push(s);
    if (!open.length) return NO_FINDINGS;
    // Each action once, in the order the statements name them.
    const actions: string[] = [];
    for (const s of open)
      for (const a of asList(s.Action ?? s.NotAction)) if (!actions.includes(a)) actions.push(a);
    const writes = actions.some((a) => a === "*" || /^s3:(\*|Put|Delete)/i.test(a));
    return [
      {
        summary: `${event.actor.display} made bucket ${event.target.id.replace("arn:aws:s3:::", "")} public: ${actions.join(", ")} for everyone`,
        evidence: { bucket: event.target.id, statements: open, actions, writable: writes },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "Principal * allowed s3:GetObject with no condition",
        record: s3Call(DEPLOY_ROLE, "PutBucketPolicy", "acme-customer-exports", {
          bucketPolicy: policy({
            Sid: "PublicRead",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::acme-customer-exports/*",
          }),
          policy: [""],
        }),
      },
      {
        name: 'Principal {"AWS":"*"} with a condition that restricts nothing (aws:SourceIp 0.0.0.0/0)',
        record: s3Call(ALICE_ADMIN, "PutBucketPolicy", "acme-backups", {
          bucketPolicy: policy({
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: ["s3:GetObject", "s3:ListBucket"],
            Resource: ["arn:aws:s3:::acme-backups", "arn:aws:s3:::acme-backups/*"],
            Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
          }),
        }),
      },
    ],
    quiet: [
      {
        name: "Principal * restricted to the organization (aws:PrincipalOrgID)",
        record: s3Call(ALICE_ADMIN, "PutBucketPolicy", "acme-shared", {
          bucketPolicy: policy({
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::acme-shared/*",
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
          }),
        }),
      },
      {
        name: "Principal * restricted to a VPC endpoint",
        record: s3Call(ALICE_ADMIN, "PutBucketPolicy", "acme-internal", {
          bucketPolicy: policy({
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::acme-internal/*",
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f60718" } },
          }),
        }),
      },
      {
        name: "Deny * statement (TLS enforcement) is not exposure",
        record: s3Call(ALICE_ADMIN, "PutBucketPolicy", "acme-logs", {
          bucketPolicy: policy({
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: ["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        }),
      },
      {
        name: "denied PutBucketPolicy changed nothing",
        record: s3Call(
          DEPLOY_ROLE,
          "PutBucketPolicy",
          "acme-customer-exports",
          {
            bucketPolicy: policy({
              Effect: "Allow",
              Principal: "*",
              Action: "s3:GetObject",
              Resource: "arn:aws:s3:::acme-customer-exports/*",
            }),
          },
          { errorCode: "AccessDenied", errorMessage: "Access Denied", responseElements: null },
        ),
      },
    ],
  },
};
