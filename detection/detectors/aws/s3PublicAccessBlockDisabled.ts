import { actionIn, type Detector } from "../../detector";
import { awsDetails } from "../../normalize/awsDetails";
import { ALICE_ADMIN, ctRecord, DEPLOY_ROLE, OWN_ACCOUNT, s3Call } from "./exampleRecords";
import { isCall } from "./shared";

const PAB_EVENTS = [
  "PutBucketPublicAccessBlock",
  "PutPublicAccessBlock",
  "PutAccountPublicAccessBlock",
  "DeleteBucketPublicAccessBlock",
  "DeletePublicAccessBlock",
  "DeleteAccountPublicAccessBlock",
];

function pabConfig(values: Record<string, boolean>) {
  return {
    publicAccessBlock: [""],
    PublicAccessBlockConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", ...values },
  };
}

/** S3 Block Public Access removed or turned off, on a bucket or (worse) the whole account. */
export const awsS3PublicAccessBlockDisabled: Detector = {
  id: "aws-s3-public-access-block-disabled",
  title: "S3 Block Public Access turned off",
  category: "public_exposure",
  severity: "high",
  sources: ["aws"],
  calls: actionIn(...PAB_EVENTS),
  playbook: "block-public-s3",
  match(event) {
    if (!event.success || !isCall(event, "s3", ...PAB_EVENTS)) return [];
    const d = awsDetails(event);
    const off = d.publicAccessBlockDeleted
      ? ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]
      : Object.entries(d.publicAccessBlock ?? {})
          .filter(([, v]) => v === false)
          .map(([k]) => k);
    if (!off.length) return [];
    const account = event.target.level === "account";
    const where = account
      ? `account ${event.target.id}`
      : `bucket ${event.target.id.replace("arn:aws:s3:::", "")}`;
    return [
      {
        summary: `${event.actor.display} ${d.publicAccessBlockDeleted ? "removed" : "turned off"} S3 Block Public Access on ${where} (${off.join(", ")})`,
        severity: account ? "critical" : "high",
        evidence: { scope: account ? "account" : "bucket", resource: event.target.id, disabled: off },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "bucket-level PutBucketPublicAccessBlock with every setting false",
        record: s3Call(
          DEPLOY_ROLE,
          "PutBucketPublicAccessBlock",
          "acme-media",
          pabConfig({
            BlockPublicAcls: false,
            IgnorePublicAcls: false,
            BlockPublicPolicy: false,
            RestrictPublicBuckets: false,
          }),
        ),
      },
      {
        name: "bucket-level DeleteBucketPublicAccessBlock",
        record: s3Call(ALICE_ADMIN, "DeleteBucketPublicAccessBlock", "acme-media", {
          publicAccessBlock: [""],
        }),
      },
      {
        name: "account-level PutAccountPublicAccessBlock (s3control) turning BlockPublicPolicy off",
        record: ctRecord({
          identity: ALICE_ADMIN,
          eventSource: "s3.amazonaws.com",
          eventName: "PutAccountPublicAccessBlock",
          requestParameters: {
            ...pabConfig({
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: false,
              RestrictPublicBuckets: true,
            }),
            Host: `${OWN_ACCOUNT}.s3-control.eu-west-1.amazonaws.com`,
          },
        }),
      },
    ],
    quiet: [
      {
        name: "PutBucketPublicAccessBlock turning every protection on",
        record: s3Call(
          ALICE_ADMIN,
          "PutBucketPublicAccessBlock",
          "acme-media",
          pabConfig({
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          }),
        ),
      },
      {
        name: "DeleteBucketPublicAccessBlock that was denied",
        record: s3Call(
          DEPLOY_ROLE,
          "DeleteBucketPublicAccessBlock",
          "acme-media",
          { publicAccessBlock: [""] },
          { errorCode: "AccessDenied", errorMessage: "Access Denied" },
        ),
      },
    ],
  },
};
