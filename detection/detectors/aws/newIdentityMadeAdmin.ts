import { actionIn, type Detector } from "../../detector";
import {
  ALICE_ADMIN,
  attachPolicy,
  createUser,
  DEPLOY_ROLE,
  iamCall,
  MALLORY,
  OWN_ACCOUNT,
} from "./exampleRecords";
import {
  ADMIN_GRANT_ACTIONS,
  adminGrantOf,
  arnName,
  describeGrants,
  isPolicyWrite,
  minutesBetween,
} from "./shared";

/** How soon after CreateUser / CreateRole an admin grant makes it a "born admin" identity. */
const WINDOW_MINUTES = 15;

/**
 * CreateUser / CreateRole followed within minutes, by the same actor, by an admin-grade grant
 * to the new identity: the shape of a persistence backdoor.
 */
export const awsNewIdentityMadeAdmin: Detector = {
  id: "aws-new-identity-made-admin",
  title: "New IAM identity given admin within minutes",
  category: "admin_grant",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn(...ADMIN_GRANT_ACTIONS),
  keeps: (e) => isPolicyWrite(e) || (e.success && (e.action === "CreateUser" || e.action === "CreateRole")),
  playbook: "quarantine-identity",
  match(event, ctx) {
    const j = adminGrantOf(event, ctx);
    if (!j || (j.subjectKind !== "user" && j.subjectKind !== "role")) return [];
    const created = ctx
      .recentByActor(event.actor.id)
      .find(
        (e) =>
          e.success &&
          (e.action === "CreateUser" || e.action === "CreateRole") &&
          e.target.id === j.subject &&
          minutesBetween(e.time, event.time) <= WINDOW_MINUTES &&
          Date.parse(e.time) <= Date.parse(event.time),
      );
    if (!created) return [];
    const mins = Math.round(minutesBetween(created.time, event.time));
    return [
      {
        summary: `${event.actor.display} created ${j.subjectKind} ${arnName(j.subject)} and gave it ${describeGrants(j.grants)} ${mins} min later (via ${arnName(j.via)})`,
        evidence: {
          identity: j.subject,
          createdAt: created.time,
          createEventId: created.id,
          via: j.via,
          grants: j.grants,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "CreateUser then AdministratorAccess attached two minutes later",
        history: [createUser(MALLORY, "svc-sync")],
        record: attachPolicy(MALLORY, "User", "svc-sync", "arn:aws:iam::aws:policy/AdministratorAccess", {
          at: 120,
        }),
      },
      {
        name: "CreateRole then admin inline policy",
        history: [
          iamCall(
            DEPLOY_ROLE,
            "CreateRole",
            {
              roleName: "maint",
              assumeRolePolicyDocument: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
                ],
              }),
            },
            {
              responseElements: {
                role: { roleName: "maint", arn: `arn:aws:iam::${OWN_ACCOUNT}:role/maint` },
              },
            },
          ),
        ],
        record: iamCall(
          DEPLOY_ROLE,
          "PutRolePolicy",
          {
            roleName: "maint",
            policyName: "all",
            policyDocument: encodeURIComponent(
              JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
              }),
            ),
          },
          { at: 60 },
        ),
      },
    ],
    quiet: [
      {
        name: "CreateUser then AdministratorAccess an hour later",
        history: [createUser(ALICE_ADMIN, "new-sre")],
        record: attachPolicy(ALICE_ADMIN, "User", "new-sre", "arn:aws:iam::aws:policy/AdministratorAccess", {
          at: 3600,
        }),
      },
      {
        name: "CreateUser then a read-only policy",
        history: [createUser(ALICE_ADMIN, "auditor-2")],
        record: attachPolicy(ALICE_ADMIN, "User", "auditor-2", "arn:aws:iam::aws:policy/ReadOnlyAccess", {
          at: 60,
        }),
      },
      {
        name: "admin attached to an existing user (no CreateUser seen)",
        record: attachPolicy(ALICE_ADMIN, "User", "ops-lead", "arn:aws:iam::aws:policy/AdministratorAccess"),
      },
    ],
  },
};
