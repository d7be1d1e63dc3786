import { broadGrants } from "../../awsPolicy";
import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { denied, iamCall, MALLORY, OWN_ACCOUNT, policy, urlEncodedPolicy } from "./exampleRecords";
import { adminSeverity, arnName, describeGrants, parsedDocs } from "./shared";

const POLICY_ARN = `arn:aws:iam::${OWN_ACCOUNT}:policy/app-deploy`;

function version(doc: unknown, setAsDefault: boolean) {
  return iamCall(
    MALLORY,
    "CreatePolicyVersion",
    { policyArn: POLICY_ARN, policyDocument: urlEncodedPolicy(doc), setAsDefault },
    {
      responseElements: {
        policyVersion: {
          versionId: "v3",
          isDefaultVersion: setAsDefault,
          createDate: "Mar 2, 2026 10:15:00 AM",
        },
      },
    },
  );
}

/**
 * CreatePolicyVersion with setAsDefault: every principal the policy is attached to gets the new
 * document at once (the classic iam:CreatePolicyVersion escalation).
 */
export const awsAdminPolicyVersion: Detector = {
  id: "aws-admin-policy-version",
  title: "Admin-grade policy version made default",
  category: "admin_grant",
  severity: "critical",
  sources: ["aws"],
  calls: actionIn("CreatePolicyVersion"),
  match(event) {
    if (!event.success || event.action !== "CreatePolicyVersion" || !event.service.startsWith("iam."))
      return [];
    if (!awsDetails(event).setAsDefault) return [];
    const grants = parsedDocs(event).flatMap((d) => broadGrants(d.policy));
    if (!grants.length) return [];
    return [
      {
        summary: `${event.actor.display} made a new default version of ${arnName(event.target.id)} granting ${describeGrants(grants)}`,
        severity: adminSeverity(grants),
        evidence: { policyArn: event.target.id, grants },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "default version with Action *",
        record: version(policy({ Effect: "Allow", Action: "*", Resource: "*" }), true),
      },
      {
        name: "default version with iam:AttachUserPolicy on *",
        record: version(
          policy({ Effect: "Allow", Action: ["iam:AttachUserPolicy", "iam:ListUsers"], Resource: "*" }),
          true,
        ),
      },
    ],
    quiet: [
      {
        name: "admin version not set as default",
        record: version(policy({ Effect: "Allow", Action: "*", Resource: "*" }), false),
      },
      {
        name: "default version with scoped actions",
        record: version(
          policy({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-app/*" }),
          true,
        ),
      },
      {
        name: "denied CreatePolicyVersion",
        record: denied({
          identity: MALLORY,
          eventSource: "iam.amazonaws.com",
          eventName: "CreatePolicyVersion",
          requestParameters: {
            policyArn: POLICY_ARN,
            policyDocument: urlEncodedPolicy(policy({ Effect: "Allow", Action: "*", Resource: "*" })),
            setAsDefault: true,
          },
        }),
      },
    ],
  },
};
