import { actionIn, type Detector } from "../../detector";
import {
  ALICE_ADMIN,
  attachPolicy,
  DEPLOY_ROLE,
  denied,
  iamCall,
  MALLORY,
  OWN_ACCOUNT,
  policy,
  urlEncodedPolicy,
} from "./exampleRecords";
import { adminGrantOf, adminSeverity, arnName, describeGrants, isPolicyWrite } from "./shared";

/**
 * Attach{User,Role,Group}Policy of a managed policy that grants `*`, `iam:*` or everything
 * but a NotAction list on every resource, judged from the policy's statements (AWS managed:
 * reference data; customer managed: the document the same actor just created).
 * Group attachments carry evidence.privilegedGroup so the detection state learns the group.
 */
export const awsAdminPolicyAttached: Detector = {
  id: "aws-admin-policy-attached",
  title: "Admin-grade managed policy attached",
  category: "admin_grant",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn("AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"),
  keeps: isPolicyWrite,
  playbook: "detach-policy",
  match(event, ctx) {
    if (!/^Attach(User|Role|Group)Policy$/.test(event.action)) return [];
    const j = adminGrantOf(event, ctx);
    if (!j) return [];
    return [
      {
        summary: `${event.actor.display} attached ${arnName(j.via)} (${describeGrants(j.grants)}) to ${j.subjectKind} ${arnName(j.subject)}`,
        severity: adminSeverity(j.grants),
        evidence: {
          policyArn: j.via,
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
        name: "AdministratorAccess attached to a user",
        record: attachPolicy(MALLORY, "User", "svc-backup", "arn:aws:iam::aws:policy/AdministratorAccess"),
      },
      {
        name: "PowerUserAccess (NotAction iam:*) attached to a role",
        record: attachPolicy(DEPLOY_ROLE, "Role", "lambda-exec", "arn:aws:iam::aws:policy/PowerUserAccess"),
      },
      {
        name: "IAMFullAccess attached to a group",
        record: attachPolicy(ALICE_ADMIN, "Group", "helpdesk", "arn:aws:iam::aws:policy/IAMFullAccess"),
      },
      {
        name: "customer managed policy with Action * that the same actor just created",
        history: [
          iamCall(
            MALLORY,
            "CreatePolicy",
            {
              policyName: "ops-all",
              path: "/",
              policyDocument: urlEncodedPolicy(policy({ Effect: "Allow", Action: "*", Resource: "*" })),
            },
            {
              responseElements: {
                policy: {
                  policyName: "ops-all",
                  arn: `arn:aws:iam::${OWN_ACCOUNT}:policy/ops-all`,
                  defaultVersionId: "v1",
                },
              },
            },
          ),
        ],
        record: attachPolicy(MALLORY, "User", "mallory", `arn:aws:iam::${OWN_ACCOUNT}:policy/ops-all`, {
          at: 40,
        }),
      },
    ],
    quiet: [
      {
        name: "ReadOnlyAccess attached",
        record: attachPolicy(ALICE_ADMIN, "User", "auditor", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
      },
      {
        name: "AmazonS3ReadOnlyAccess attached to a role",
        record: attachPolicy(
          DEPLOY_ROLE,
          "Role",
          "reporting",
          "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ),
      },
      {
        name: "AdministratorAccess attach that was denied",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "AttachUserPolicy",
          requestParameters: {
            userName: "mallory",
            policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
          },
        }),
      },
      {
        name: "AdministratorAccess detached",
        record: iamCall(ALICE_ADMIN, "DetachUserPolicy", {
          userName: "svc-backup",
          policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
        }),
      },
    ],
  },
};
