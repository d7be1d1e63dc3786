import { actionIn, type Detector } from "../../detector";
import type { Severity } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import {
  ALICE_ADMIN,
  createUser,
  DEPLOY_ROLE,
  denied,
  iamCall,
  MALLORY,
  OWN_ACCOUNT,
} from "./exampleRecords";
import { arnName, isCall } from "./shared";

const OPERATION: Record<string, { kind: "user" | "role"; verb: string; severity: Severity }> = {
  CreateUser: { kind: "user", verb: "created", severity: "low" },
  DeleteUser: { kind: "user", verb: "deleted", severity: "medium" },
  CreateRole: { kind: "role", verb: "created", severity: "low" },
  DeleteRole: { kind: "role", verb: "deleted", severity: "medium" },
};

/**
 * IAM users and roles created or deleted: identities joining and leaving the account.
 * Severity low for creation (routine, but every backdoor starts here), medium for deletion
 * (evidence and workloads go with it, and deleting a privileged identity can lock responders
 * out). What the new identity is given is the admin and cross-account detectors' concern.
 */
export const awsIamIdentityLifecycle: Detector = {
  id: "aws-iam-identity-lifecycle",
  title: "IAM user or role created or deleted",
  category: "user_lifecycle",
  severity: "low",
  sources: ["aws"],
  calls: actionIn(...Object.keys(OPERATION)),
  match(event, ctx) {
    if (!event.success || !Object.hasOwn(OPERATION, event.action) || !isCall(event, "iam", event.action))
      return [];
    const op = OPERATION[event.action];
    const d = awsDetails(event);
    const name = (op.kind === "user" ? d.userName : d.roleName) ?? arnName(event.target.id);
    const privileged = op.verb === "deleted" && ctx.privilegedPrincipals.has(event.target.id);
    return [
      {
        severity: privileged ? "high" : op.severity,
        summary: `${event.actor.display} ${op.verb} IAM ${op.kind} ${name}${privileged ? " (a privileged identity)" : ""}`,
        evidence: {
          identity: event.target.id,
          identityKind: op.kind,
          operation: op.verb === "created" ? "create" : "delete",
          ...(op.kind === "user" ? { userName: name } : { roleName: name }),
          account: event.target.project,
        },
      },
    ];
  },
  examples: {
    fire: [
      { name: "IAM user created", record: createUser(ALICE_ADMIN, "svc-reporting") },
      { name: "IAM user deleted", record: iamCall(MALLORY, "DeleteUser", { userName: "bob" }) },
      {
        name: "IAM role created",
        record: iamCall(
          DEPLOY_ROLE,
          "CreateRole",
          {
            roleName: "lambda-exec",
            path: "/",
            assumeRolePolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
              ],
            }),
          },
          {
            responseElements: {
              role: { roleName: "lambda-exec", arn: `arn:aws:iam::${OWN_ACCOUNT}:role/lambda-exec` },
            },
          },
        ),
      },
      { name: "IAM role deleted", record: iamCall(MALLORY, "DeleteRole", { roleName: "security-audit" }) },
    ],
    quiet: [
      {
        name: "CreateUser that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "CreateUser",
          requestParameters: { userName: "backdoor" },
        }),
      },
      {
        name: "user renamed (UpdateUser)",
        record: iamCall(ALICE_ADMIN, "UpdateUser", { userName: "bob", newUserName: "robert" }),
      },
      { name: "user listed", record: iamCall(ALICE_ADMIN, "GetUser", { userName: "bob" }) },
    ],
  },
};
