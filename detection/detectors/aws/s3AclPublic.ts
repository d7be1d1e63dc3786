import { actionIn, type Detector } from "../../detector";
import { isPublicMember } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, DEPLOY_ROLE, OWN_ACCOUNT, s3Call } from "./exampleRecords";
import { isCall } from "./shared";

const OWNER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";

function aclBody(grants: { grantee: Record<string, unknown>; permission: string }[]) {
  return {
    AccessControlPolicy: {
      AccessControlList: {
        Grant: grants.map((g) => ({ Grantee: { "xmlns:xsi": XSI, ...g.grantee }, Permission: g.permission })),
      },
      xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
      Owner: { ID: OWNER_ID },
    },
    acl: [""],
  };
}

const ownerGrant = { grantee: { "xsi:type": "CanonicalUser", ID: OWNER_ID }, permission: "FULL_CONTROL" };

/** Bucket or object ACL granting AllUsers / AuthenticatedUsers (body grants, x-amz-grant-* or canned ACL). */
export const awsS3AclPublic: Detector = {
  id: "aws-s3-acl-public",
  title: "S3 ACL grants access to all users",
  category: "public_exposure",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("PutBucketAcl", "PutObjectAcl", "CreateBucket"),
  playbook: "block-public-s3",
  match(event) {
    if (!event.success || !isCall(event, "s3", "PutBucketAcl", "PutObjectAcl", "CreateBucket")) return [];
    const open = event.grants.filter((g) => isPublicMember(g.member));
    if (!open.length) return [];
    const write = open.some((g) => /WRITE|FULL_CONTROL/.test(g.role));
    const what = open.map((g) => `${g.role} to ${g.member}`).join(", ");
    return [
      {
        summary: `${event.actor.display} set a public ACL on ${event.target.id.replace("arn:aws:s3:::", "")}: ${what}`,
        severity: write ? "critical" : "high",
        evidence: { resource: event.target.id, grants: open, cannedAcl: awsDetails(event).cannedAcl },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "PutBucketAcl granting READ to AllUsers",
        record: s3Call(
          DEPLOY_ROLE,
          "PutBucketAcl",
          "acme-media",
          aclBody([
            ownerGrant,
            {
              grantee: { "xsi:type": "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" },
              permission: "READ",
            },
          ]),
        ),
      },
      {
        name: "PutObjectAcl with the public-read-write canned ACL",
        record: s3Call(ALICE_ADMIN, "PutObjectAcl", "acme-media", {
          key: "exports/q1.csv",
          "x-amz-acl": ["public-read-write"],
        }),
      },
      {
        name: "PutBucketAcl with x-amz-grant-read to AuthenticatedUsers (any AWS account)",
        record: s3Call(ALICE_ADMIN, "PutBucketAcl", "acme-media", {
          "x-amz-grant-read": ['uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'],
          acl: [""],
        }),
      },
    ],
    quiet: [
      {
        name: "PutBucketAcl granting the log delivery group and the owner only",
        record: s3Call(
          ALICE_ADMIN,
          "PutBucketAcl",
          "acme-logs",
          aclBody([
            ownerGrant,
            {
              grantee: { "xsi:type": "Group", URI: "http://acs.amazonaws.com/groups/s3/LogDelivery" },
              permission: "WRITE",
            },
          ]),
        ),
      },
      {
        name: "PutObjectAcl with the private canned ACL",
        record: s3Call(ALICE_ADMIN, "PutObjectAcl", "acme-media", { key: "a.png", "x-amz-acl": ["private"] }),
      },
      {
        name: "PutBucketAcl to AllUsers denied by Block Public Access",
        record: s3Call(
          DEPLOY_ROLE,
          "PutBucketAcl",
          "acme-media",
          { "x-amz-acl": ["public-read"], acl: [""] },
          { errorCode: "AccessDenied", errorMessage: "Access Denied", recipientAccountId: OWN_ACCOUNT },
        ),
      },
    ],
  },
};
