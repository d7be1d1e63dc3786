import { actionIn, type Detector } from "../../detector";
import {
  ALICE_ADMIN,
  DEPLOY_ROLE,
  denied,
  MALLORY,
  policy,
  putInlinePolicy,
  urlEncodedPolicy,
} from "./exampleRecords";
import { adminGrantOf, adminSeverity, arnName, describeGrants, isPolicyWrite } from "./shared";

/**
 * Put{User,Role,Group}Policy whose document allows `*`, `iam:*`, everything-but, or a
 * privilege-escalation action (iam:PassRole with a compute service, iam:CreatePolicyVersion,
 * iam:Attach*Policy, iam:CreateAccessKey, sts:AssumeRole...) on Resource "*".
 */
export const awsAdminInlinePolicy: Detector = {
  id: "aws-admin-inline-policy",
  title: "Inline policy grants admin or privilege escalation",
  category: "admin_grant",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn("PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"),
  keeps: isPolicyWrite,
  playbook: "delete-inline-policy",
  match(event, ctx) {
    if (!/^Put(User|Role|Group)Policy$/.test(event.action)) return [];
    const j = adminGrantOf(event, ctx);
    if (!j) return [];
    return [
      {
        summary: `${event.actor.display} put inline policy ${j.via} on ${j.subjectKind} ${arnName(j.subject)} granting ${describeGrants(j.grants)}`,
        severity: adminSeverity(j.grants),
        evidence: {
          inlinePolicyName: j.via,
          subject: j.subject,
          subjectKind: j.subjectKind,
          grants: j.grants,
          ...(j.privilegedGroup ? { privilegedGroup: j.privilegedGroup } : {}),
          ...(j.subjectKind !== "group" ? { privilegedPrincipal: j.subject } : {}),
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "PutUserPolicy with Action * on Resource *",
        record: putInlinePolicy(
          MALLORY,
          "User",
          "mallory",
          "tmp",
          policy({ Effect: "Allow", Action: "*", Resource: "*" }),
        ),
      },
      {
        name: "PutRolePolicy with iam:PassRole and lambda:CreateFunction on *",
        record: putInlinePolicy(
          DEPLOY_ROLE,
          "Role",
          "ci-deploy",
          "deploy-extras",
          policy({
            Effect: "Allow",
            Action: ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
            Resource: "*",
          }),
        ),
      },
      {
        name: "PutGroupPolicy with iam:CreatePolicyVersion and iam:AttachUserPolicy on *",
        record: putInlinePolicy(
          ALICE_ADMIN,
          "Group",
          "developers",
          "self-service",
          policy({
            Effect: "Allow",
            Action: ["iam:CreatePolicyVersion", "iam:AttachUserPolicy"],
            Resource: "*",
          }),
        ),
      },
    ],
    quiet: [
      {
        name: "PutRolePolicy scoped to one bucket",
        record: putInlinePolicy(
          DEPLOY_ROLE,
          "Role",
          "app",
          "bucket-rw",
          policy({
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: "arn:aws:s3:::acme-app/*",
          }),
        ),
      },
      {
        name: "PutRolePolicy with iam:PassRole scoped to one role ARN",
        record: putInlinePolicy(
          DEPLOY_ROLE,
          "Role",
          "ci-deploy",
          "pass-app-role",
          policy({
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: "arn:aws:iam::111122223333:role/app-runtime",
          }),
        ),
      },
      {
        name: "PutUserPolicy with Action * that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "PutUserPolicy",
          requestParameters: {
            userName: "mallory",
            policyName: "tmp",
            policyDocument: urlEncodedPolicy(policy({ Effect: "Allow", Action: "*", Resource: "*" })),
          },
        }),
      },
    ],
  },
};
