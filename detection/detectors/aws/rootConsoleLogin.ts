import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, consoleLogin, rootIdentity } from "./exampleRecords";

/**
 * Console sign-in as the account's root user: break-glass use at best. Severity high;
 * critical without MFA (additionalEventData.MFAUsed = "No"). A failed root sign-in is reported
 * as an attempt (medium), never as a sign-in.
 */
export const awsRootConsoleLogin: Detector = {
  id: "aws-root-console-login",
  title: "Root user console sign-in",
  category: "root_activity",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("ConsoleLogin"),
  match(event) {
    if (event.action !== "ConsoleLogin" || event.service !== "signin.amazonaws.com") return [];
    const d = awsDetails(event);
    if (d.identityType !== "Root") return [];
    const account = event.actor.account ?? "unknown";
    const evidence = {
      account,
      mfaUsed: d.mfaUsed,
      outcome: event.success ? "Success" : "Failure",
      sourceIp: event.sourceIp,
      userAgent: event.userAgent,
    };
    if (!event.success) {
      return [
        {
          severity: "medium",
          summary: `failed root console sign-in attempt on account ${account} from ${event.sourceIp ?? "unknown address"}`,
          evidence,
        },
      ];
    }
    const noMfa = d.mfaUsed === false;
    return [
      {
        severity: noMfa ? "critical" : "high",
        summary: `root user signed in to the console of account ${account}${noMfa ? " without MFA" : ""} from ${event.sourceIp ?? "unknown address"}`,
        evidence,
      },
    ];
  },
  examples: {
    fire: [
      { name: "root console sign-in with MFA", record: consoleLogin(rootIdentity(), { mfa: true }) },
      {
        name: "root console sign-in without MFA (critical)",
        record: consoleLogin(rootIdentity(), { mfa: false }),
      },
      {
        name: "failed root sign-in (reported as an attempt)",
        record: consoleLogin(rootIdentity(), { mfa: false, success: false }),
      },
    ],
    quiet: [
      { name: "IAM user console sign-in without MFA", record: consoleLogin(ALICE_ADMIN, { mfa: false }) },
    ],
  },
};
