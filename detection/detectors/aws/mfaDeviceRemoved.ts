import { actionIn, type Detector } from "../../detector";
import type { Severity } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, denied, iamCall, MALLORY, ROOT } from "./exampleRecords";
import { isCall } from "./shared";

/**
 * MFA taken away: DeactivateMFADevice (the device no longer protects the user) and
 * DeleteVirtualMFADevice. Severity: critical for the root user's own MFA; high when the caller
 * removes another user's MFA; medium for a user's own device (people replace phones) and for
 * deleting a virtual device (IAM only deletes unassigned ones).
 */
export const awsMfaDeviceRemoved: Detector = {
  id: "aws-mfa-device-removed",
  title: "MFA device deactivated or deleted",
  category: "mfa_weakening",
  severity: "high",
  sources: ["aws"],
  calls: actionIn("DeactivateMFADevice", "DeleteVirtualMFADevice"),
  match(event) {
    if (!event.success || !isCall(event, "iam", "DeactivateMFADevice", "DeleteVirtualMFADevice")) return [];
    const d = awsDetails(event);
    const serial = d.mfaSerial ?? "unknown device";
    if (event.action === "DeleteVirtualMFADevice") {
      const rootDevice = /:mfa\/root-account-mfa-device$/.test(serial) || /:root$/.test(serial);
      return [
        {
          severity: rootDevice ? "critical" : "medium",
          summary: `${event.actor.display} deleted virtual MFA device ${serial}`,
          evidence: { mfaSerial: serial, account: event.target.project },
        },
      ];
    }
    const root = event.target.kind === "root";
    const self = d.selfTarget === true;
    const severity: Severity = root ? "critical" : self ? "medium" : "high";
    const whose = root ? "the root user's" : self ? "its own" : `IAM user ${d.userName ?? "unknown"}'s`;
    return [
      {
        severity,
        summary: `${event.actor.display} deactivated ${whose} MFA device ${serial}`,
        evidence: {
          userName: d.userName,
          user: event.target.id,
          mfaSerial: serial,
          selfTarget: self,
          account: event.target.project,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "another user's MFA deactivated",
        record: iamCall(MALLORY, "DeactivateMFADevice", {
          userName: "alice-admin",
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
        }),
      },
      {
        name: "root deactivates its own MFA (critical)",
        record: iamCall(ROOT, "DeactivateMFADevice", {
          serialNumber: "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
        }),
      },
      {
        name: "a user deactivates its own MFA (medium)",
        record: iamCall(ALICE_ADMIN, "DeactivateMFADevice", {
          userName: "alice-admin",
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
        }),
      },
      {
        name: "virtual MFA device deleted",
        record: iamCall(MALLORY, "DeleteVirtualMFADevice", {
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
        }),
      },
    ],
    quiet: [
      {
        name: "MFA device enabled",
        record: iamCall(ALICE_ADMIN, "EnableMFADevice", {
          userName: "alice-admin",
          serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
        }),
      },
      {
        name: "deactivation that IAM refused",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "DeactivateMFADevice",
          requestParameters: {
            userName: "alice-admin",
            serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin",
          },
        }),
      },
      {
        name: "deleting a device still assigned (DeleteConflict) changed nothing",
        record: denied(
          {
            identity: MALLORY,
            eventSource: "iam.amazonaws.com",
            eventName: "DeleteVirtualMFADevice",
            requestParameters: { serialNumber: "arn:aws:iam::111122223333:mfa/alice-admin" },
          },
          "DeleteConflict",
        ),
      },
    ],
  },
};
