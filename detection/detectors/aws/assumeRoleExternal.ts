import { actionIn, type Detector } from "../../detector";
import type { IamEvent } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import { assumeRoleCall, awsAccount, DEPLOY_ROLE, EXTERNAL_ACCOUNT, OWN_ACCOUNT } from "./exampleRecords";
import { arnName } from "./shared";

const ROLE = `arn:aws:iam::${OWN_ACCOUNT}:role/OrganizationAccountAccessRole`;

function isAssumeRole(event: IamEvent): boolean {
  return event.action === "AssumeRole" && event.service.startsWith("sts.");
}

/**
 * sts:AssumeRole into one of our roles by a principal of an account that is neither the role's
 * own nor internal, the first time that account assumes that role (a vendor that assumes its
 * role hourly is reported once). Severity high; medium when the call carried an external id
 * (the third-party pattern). Refused calls are recon, not access.
 */
export const awsAssumeRoleExternal: Detector = {
  id: "aws-assume-role-external",
  title: "Role assumed from an outside account",
  category: "cross_account",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("AssumeRole"),
  remembers: isAssumeRole,
  match(event, ctx) {
    if (!event.success || !isAssumeRole(event)) return [];
    const d = awsDetails(event);
    const caller = d.callerAccount;
    const roleAccount = event.target.project;
    if (!caller || d.identityType === "AWSService" || caller === roleAccount) return [];
    if (ctx.internalAccounts.includes(caller)) return [];
    if (ctx.seenBefore(event.actor.id, event.action, event.target.id)) return [];
    return [
      {
        severity: d.externalId ? "medium" : "high",
        summary: `account ${caller} assumed role ${arnName(event.target.id)} in ${roleAccount ?? "our account"} for the first time (session ${d.roleSessionName ?? "unknown"})`,
        evidence: {
          role: event.target.id,
          roleName: arnName(event.target.id),
          account: roleAccount,
          callerAccount: caller,
          caller: event.actor.id,
          sessionName: d.roleSessionName,
          externalId: d.externalId ?? false,
          sourceIp: event.sourceIp,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "outside account assumes the organization access role",
        record: assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), ROLE, "ops"),
      },
      {
        name: "vendor account assumes its integration role with an external id (medium)",
        record: assumeRoleCall(
          awsAccount("464622532012", "AROAVENDOREXAMPLE0001:datadog"),
          `arn:aws:iam::${OWN_ACCOUNT}:role/DatadogIntegration`,
          "datadog-aws-integration",
          { externalId: "b5f2c1d0e9a84c7f" },
        ),
      },
    ],
    quiet: [
      {
        name: "same outside account assuming the same role again",
        history: [assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), ROLE, "ops")],
        record: assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), ROLE, "ops-2", { at: 600 }),
      },
      {
        name: "internal account assumes the role",
        context: { internalAccounts: [OWN_ACCOUNT, "222233334444"] },
        record: assumeRoleCall(awsAccount("222233334444"), ROLE, "audit"),
      },
      {
        name: "own-account role chaining",
        record: assumeRoleCall(
          DEPLOY_ROLE,
          `arn:aws:iam::${OWN_ACCOUNT}:role/deploy-target`,
          "github-actions-8841",
        ),
      },
      {
        name: "outside account refused (AccessDenied)",
        record: assumeRoleCall(awsAccount(EXTERNAL_ACCOUNT), ROLE, "probe", { errorCode: "AccessDenied" }),
      },
    ],
  },
};
