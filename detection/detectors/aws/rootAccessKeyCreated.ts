import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, denied, iamCall, ROOT, rootIdentity } from "./exampleRecords";
import { isCall } from "./shared";

/**
 * CreateAccessKey by the root user for itself: root access keys are unrestricted, cannot be
 * limited by IAM policies, and AWS advises never to have one. Severity critical. (Only root can
 * manage root keys, so there is no automatic playbook: a responder signs in as root.)
 */
export const awsRootAccessKeyCreated: Detector = {
  id: "aws-root-access-key-created",
  title: "Root user access key created",
  category: "credential_creation",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn("CreateAccessKey"),
  match(event) {
    if (!event.success || !isCall(event, "iam", "CreateAccessKey")) return [];
    const d = awsDetails(event);
    if (d.identityType !== "Root" || event.target.kind !== "root") return [];
    return [
      {
        summary:
          `root user of account ${event.actor.account ?? "unknown"} created a root access key ${d.accessKeyId ?? ""}`.trim(),
        evidence: {
          account: event.actor.account,
          accessKeyId: d.accessKeyId,
          sourceIp: event.sourceIp,
          userAgent: event.userAgent,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "root creates an access key for itself",
        record: iamCall(ROOT, "CreateAccessKey", null, {
          responseElements: {
            accessKey: {
              accessKeyId: "AKIAROOTKEYEXAMPLE01",
              status: "Active",
              createDate: "Mar 2, 2026, 10:15:00 AM",
            },
          },
        }),
      },
    ],
    quiet: [
      {
        name: "root access key creation that failed",
        record: denied(
          {
            identity: rootIdentity({ mfa: true }),
            eventSource: "iam.amazonaws.com",
            eventName: "CreateAccessKey",
          },
          "LimitExceeded",
        ),
      },
      {
        name: "an IAM user creates its own key",
        record: iamCall(ALICE_ADMIN, "CreateAccessKey", null, {
          responseElements: {
            accessKey: { userName: "alice-admin", accessKeyId: "AKIAQWERTYEXAMPLE009", status: "Active" },
          },
        }),
      },
    ],
  },
};
