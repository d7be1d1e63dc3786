import { z } from "zod";
import type { IamEvent } from "../model";
import { detailsReader } from "./detailsReader";

/**
 * The `details` the CloudTrail normalizer fills for AWS events. Detectors read them through
 * awsDetails(event), so a renamed key is a type error, not a silent miss.
 */
export const PublicAccessBlockSchema = z.object({
  BlockPublicAcls: z.boolean().optional(),
  IgnorePublicAcls: z.boolean().optional(),
  BlockPublicPolicy: z.boolean().optional(),
  RestrictPublicBuckets: z.boolean().optional(),
});
export type PublicAccessBlock = z.infer<typeof PublicAccessBlockSchema>;

export const EventSelectorSummarySchema = z.object({
  readWriteType: z.string().optional(),
  includeManagementEvents: z.boolean().optional(),
});

export const AwsDetailsSchema = z.object({
  /** userIdentity.type as CloudTrail wrote it (Root, IAMUser, AssumedRole, AWSAccount...). */
  identityType: z.string().optional(),
  /** AWS account of the caller (userIdentity.accountId). */
  callerAccount: z.string().optional(),
  /** The account the call was made to (recipientAccountId). */
  recipientAccount: z.string().optional(),
  /** The caller's own access key (userIdentity.accessKeyId); never a secret. */
  callerAccessKeyId: z.string().optional(),
  /** userIdentity.invokedBy: the AWS service that made the call for the caller. */
  invokedBy: z.string().optional(),
  eventType: z.string().optional(),
  readOnly: z.boolean().optional(),
  requestId: z.string().optional(),
  region: z.string().optional(),
  /** Embedded policy documents that did not parse (the raw text is kept in policyDocuments). */
  policyDocumentErrors: z.array(z.string()).optional(),
  /** IAM subjects of the request. */
  userName: z.string().optional(),
  roleName: z.string().optional(),
  groupName: z.string().optional(),
  policyArn: z.string().optional(),
  inlinePolicyName: z.string().optional(),
  /** CreatePolicyVersion: whether the new version became the default (effective) one. */
  setAsDefault: z.boolean().optional(),
  /** CreateAccessKey / UpdateAccessKey / DeleteAccessKey: the key acted on and its status. */
  accessKeyId: z.string().optional(),
  accessKeyStatus: z.string().optional(),
  /** True when the call acted on the caller's own IAM user (no userName in the request, or the same name). */
  selfTarget: z.boolean().optional(),
  /** CreateLoginProfile / UpdateLoginProfile: whether the user must choose a new password at sign-in. */
  passwordResetRequired: z.boolean().optional(),
  /** ConsoleLogin outcome and whether MFA was used (additionalEventData.MFAUsed). */
  consoleLogin: z.enum(["Success", "Failure"]).optional(),
  mfaUsed: z.boolean().optional(),
  /** S3 canned ACL (x-amz-acl) when one was applied. */
  cannedAcl: z.string().optional(),
  /** Put*PublicAccessBlock configuration; absent settings are absent, not false. */
  publicAccessBlock: PublicAccessBlockSchema.optional(),
  /** Delete*PublicAccessBlock: every protection removed. */
  publicAccessBlockDeleted: z.boolean().optional(),
  /** Snapshot / AMI / DB snapshot sharing: accounts (or "all") added and removed. */
  sharedWith: z.array(z.string()).optional(),
  unsharedWith: z.array(z.string()).optional(),
  /** UpdateTrail / CreateTrail flags as requested (absent = unchanged). */
  isMultiRegionTrail: z.boolean().optional(),
  includeGlobalServiceEvents: z.boolean().optional(),
  enableLogFileValidation: z.boolean().optional(),
  /** PutEventSelectors: what the trail will record afterwards. */
  eventSelectors: z.array(EventSelectorSummarySchema).optional(),
  /** PutEventSelectors: true when no selector keeps management events. */
  managementEventsExcluded: z.boolean().optional(),
  /** PutEventSelectors: true when no selector keeps write (mutating) management events. */
  managementWritesExcluded: z.boolean().optional(),
  /** GuardDuty UpdateDetector enable flag. */
  detectorEnabled: z.boolean().optional(),
  /** sts:AssumeRole: the role, session and whether the caller sits in another account. */
  roleArn: z.string().optional(),
  roleSessionName: z.string().optional(),
  externalId: z.boolean().optional(),
  crossAccount: z.boolean().optional(),
  /** KMS CreateGrant: the grantee and operations. */
  granteePrincipal: z.string().optional(),
  grantOperations: z.array(z.string()).optional(),
  /** EC2 DeleteFlowLogs: the flow log ids. */
  flowLogIds: z.array(z.string()).optional(),
  /** MFA device serial (DeactivateMFADevice / DeleteVirtualMFADevice). */
  mfaSerial: z.string().optional(),
});
export type AwsDetails = z.infer<typeof AwsDetailsSchema>;

/** The typed AWS details of an event ({} for other sources or unreadable details). */
export function awsDetails(event: IamEvent): AwsDetails {
  if (event.source !== "aws") return {};
  return readAwsDetails(event) ?? {};
}
const readAwsDetails = detailsReader(AwsDetailsSchema);

/** The normalizer's word that an event's details are the AwsDetails it just built. */
export function knownAwsDetails(event: IamEvent, details: AwsDetails): void {
  readAwsDetails.known(event, details);
}
