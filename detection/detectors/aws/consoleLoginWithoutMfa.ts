import { actionIn, type DetectionContext, type Detector } from "../../detector";
import type { IamEvent } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, assumedRole, attachPolicy, consoleLogin, iamUser, MALLORY } from "./exampleRecords";
import { isPrivilegedPrincipal } from "./shared";

/** Why an IAM user counts as privileged, or undefined. */
function privilegedBecause(event: IamEvent, ctx: DetectionContext): string | undefined {
  if (ctx.privilegedPrincipals.has(event.actor.id)) return "was given admin-grade access earlier";
  if (isPrivilegedPrincipal(event.actor.id, event.actor.display, ctx))
    return "its name or IGA role marks it as an administrator";
  return undefined;
}

/**
 * A privileged IAM user signs in to the console without MFA (additionalEventData.MFAUsed "No"):
 * one stolen password away from admin. Privileged: the detection state saw it receive admin
 * (managed or inline admin policy, a privileged group), or its IGA title / name marks it.
 * Federated and SSO sign-ins (AssumedRole) are left out: MFA happens at their identity
 * provider, so CloudTrail always says "No". Root is aws-root-console-login's concern.
 */
export const awsConsoleLoginWithoutMfa: Detector = {
  id: "aws-console-login-without-mfa",
  title: "Privileged IAM user signed in without MFA",
  category: "mfa_weakening",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("ConsoleLogin"),
  match(event, ctx) {
    if (event.action !== "ConsoleLogin" || event.service !== "signin.amazonaws.com" || !event.success)
      return [];
    const d = awsDetails(event);
    if (d.identityType !== "IAMUser" || d.mfaUsed !== false) return [];
    const why = privilegedBecause(event, ctx);
    if (!why) return [];
    return [
      {
        summary: `privileged IAM user ${event.actor.display} signed in to the console without MFA from ${event.sourceIp ?? "unknown address"}`,
        evidence: {
          user: event.actor.id,
          userName: event.actor.display,
          privileged: why,
          sourceIp: event.sourceIp,
          userAgent: event.userAgent,
          account: event.actor.account,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "user named as an admin signs in without MFA",
        record: consoleLogin(ALICE_ADMIN, { mfa: false }),
      },
      {
        name: "user given AdministratorAccess earlier signs in without MFA",
        history: [attachPolicy(ALICE_ADMIN, "User", "dave", "arn:aws:iam::aws:policy/AdministratorAccess")],
        record: consoleLogin(iamUser("dave"), { mfa: false, at: 600 }),
      },
    ],
    quiet: [
      { name: "admin signs in with MFA", record: consoleLogin(ALICE_ADMIN, { mfa: true }) },
      { name: "ordinary user signs in without MFA", record: consoleLogin(MALLORY, { mfa: false }) },
      {
        name: "failed sign-in of an admin without MFA",
        record: consoleLogin(ALICE_ADMIN, { mfa: false, success: false }),
      },
      {
        name: "SSO (assumed role) sign-in: MFA is at the identity provider",
        record: consoleLogin(
          assumedRole("AWSReservedSSO_AdministratorAccess_0123456789abcdef", "alice@example.com"),
          {
            mfa: false,
          },
        ),
      },
      {
        name: "user given ReadOnlyAccess earlier signs in without MFA",
        history: [attachPolicy(ALICE_ADMIN, "User", "erin", "arn:aws:iam::aws:policy/ReadOnlyAccess")],
        record: consoleLogin(iamUser("erin"), { mfa: false, at: 600 }),
      },
    ],
  },
};
