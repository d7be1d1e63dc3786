import { type Detector, NO_FINDINGS } from "../../detector";
import type { IamEvent } from "../../model";
import { awsDetails } from "../../normalize/awsDetails";
import {
  ALICE_ADMIN,
  awsService,
  ctRecord,
  denied,
  iamCall,
  ROOT,
  ROOT_NO_MFA,
  rootIdentity,
  s3Call,
} from "./exampleRecords";
import { eventMs } from "./shared";

/** Read-only root calls after the first one within this window are one session, not news. */
const SESSION_MINUTES = 60;

/**
 * The CIS "root account usage" rule: userIdentity.type Root, not invoked by an AWS service, not
 * an AwsServiceEvent, not a console sign-in event (aws-root-console-login covers those).
 */
export function isRootApiCall(e: IamEvent): boolean {
  if (e.actor.kind !== "root" || !e.success) return false;
  const d = awsDetails(e);
  return (
    e.success &&
    d.identityType === "Root" &&
    !d.invokedBy &&
    d.eventType !== "AwsServiceEvent" &&
    d.eventType !== "AwsConsoleSignIn"
  );
}

/**
 * API calls made as the root user. Every change (readOnly false) is reported; read-only calls
 * only once per root session window. Severity high; critical with a long-term root access key
 * (AKIA…) or a session without MFA.
 */
export const awsRootApiCall: Detector = {
  id: "aws-root-api-call",
  title: "API call made as the root user",
  category: "root_activity",
  severity: "high",
  sources: ["aws"],
  keeps: isRootApiCall,
  match(event, ctx) {
    if (!isRootApiCall(event)) return NO_FINDINGS;
    const d = awsDetails(event);
    if (d.readOnly === true) {
      const now = eventMs(event);
      const recent = ctx.recentByActor(event.actor.id);
      let earlier = false;
      for (let i = recent.length - 1; i >= 0 && !earlier; i--) {
        const e = recent[i];
        if (now - eventMs(e) > SESSION_MINUTES * 60_000) break;
        earlier = e.id !== event.id && eventMs(e) <= now && isRootApiCall(e);
      }
      if (earlier) return [];
    }
    const longTermKey = (d.callerAccessKeyId ?? "").startsWith("AKIA");
    const noMfa = event.actor.mfa === false;
    const account = event.actor.account ?? "unknown";
    const how = longTermKey ? " with a root access key" : noMfa ? " in a session without MFA" : "";
    return [
      {
        severity: longTermKey || noMfa ? "critical" : "high",
        summary: `root user of account ${account} called ${event.service.split(".")[0]}:${event.action}${how}`,
        evidence: {
          account,
          action: event.action,
          service: event.service,
          readOnly: d.readOnly,
          accessKeyId: d.callerAccessKeyId,
          mfa: event.actor.mfa,
          sourceIp: event.sourceIp,
          userAgent: event.userAgent,
        },
      },
    ];
  },
  examples: {
    fire: [
      {
        name: "root changes a bucket policy from a console session with MFA",
        record: s3Call(ROOT, "DeleteBucketPolicy", "prod-invoices"),
      },
      {
        name: "root lists users without MFA (first call of the session)",
        record: iamCall(ROOT_NO_MFA, "ListUsers", null),
      },
      {
        name: "root uses a long-term access key",
        record: ctRecord({
          identity: rootIdentity({ accessKeyId: "AKIAROOTKEYEXAMPLE01" }),
          eventSource: "ec2.amazonaws.com",
          eventName: "RunInstances",
          requestParameters: {
            instancesSet: { items: [{ imageId: "ami-0abcdef1234567890", minCount: 1, maxCount: 1 }] },
            instanceType: "p4d.24xlarge",
          },
        }),
      },
      {
        name: "a change after earlier read-only root calls",
        history: [iamCall(ROOT, "ListUsers", null)],
        record: iamCall(ROOT, "CreateUser", { userName: "backdoor" }, { at: 30 }),
      },
    ],
    quiet: [
      {
        name: "second read-only root call of the same session",
        history: [iamCall(ROOT, "ListUsers", null)],
        record: iamCall(ROOT, "ListRoles", null, { at: 45 }),
      },
      {
        name: "root call that failed",
        record: denied({
          identity: ROOT,
          eventSource: "organizations.amazonaws.com",
          eventName: "LeaveOrganization",
          requestParameters: null,
        }),
      },
      {
        name: "a service acting for the account (AwsServiceEvent)",
        record: ctRecord({
          identity: { ...rootIdentity(), invokedBy: "cloudtrail.amazonaws.com" },
          eventSource: "kms.amazonaws.com",
          eventName: "GenerateDataKey",
          requestParameters: { keySpec: "AES_256" },
          eventType: "AwsServiceEvent",
        }),
      },
      {
        name: "an AWS service principal's call",
        record: ctRecord({
          identity: awsService("config.amazonaws.com"),
          eventSource: "sts.amazonaws.com",
          eventName: "AssumeRole",
          requestParameters: {
            roleArn:
              "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            roleSessionName: "AWSConfig",
          },
        }),
      },
      { name: "an IAM user's call", record: iamCall(ALICE_ADMIN, "ListUsers", null) },
    ],
  },
};
