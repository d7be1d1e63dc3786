import type { Detector } from "../../detector";
import { awsAccessKeyForOtherUser } from "./accessKeyForOtherUser";
import { awsAdminInlinePolicy } from "./adminInlinePolicy";
import { awsAdminPolicyAttached } from "./adminPolicyAttached";
import { awsAdminPolicyVersion } from "./adminPolicyVersion";
import { awsAssumeRoleExternal } from "./assumeRoleExternal";
import { awsCloudTrailTampering } from "./cloudTrailTampering";
import { awsConfigDisabled } from "./configDisabled";
import { awsConsoleLoginWithoutMfa } from "./consoleLoginWithoutMfa";
import { awsDeniedBurst } from "./deniedBurst";
import { awsFlowLogsDeleted } from "./flowLogsDeleted";
import { awsGuardDutyDisabled } from "./guardDutyDisabled";
import { awsIamIdentityLifecycle } from "./iamIdentityLifecycle";
import { awsLoginProfileForOtherUser } from "./loginProfileForOtherUser";
import { awsMfaDeviceRemoved } from "./mfaDeviceRemoved";
import { awsNewIdentityMadeAdmin } from "./newIdentityMadeAdmin";
import { awsPrivilegedGroupChange } from "./privilegedGroupChange";
import { awsPrivilegedGroupMembership } from "./privilegedGroupMembership";
import { awsResourcePolicyExternal } from "./resourcePolicyExternal";
import { awsRootAccessKeyCreated } from "./rootAccessKeyCreated";
import { awsRootApiCall } from "./rootApiCall";
import { awsRootConsoleLogin } from "./rootConsoleLogin";
import { awsS3AclPublic } from "./s3AclPublic";
import { awsS3BucketPolicyPublic } from "./s3BucketPolicyPublic";
import { awsS3PublicAccessBlockDisabled } from "./s3PublicAccessBlockDisabled";
import { awsSnapshotSharedPublic } from "./snapshotSharedPublic";
import { awsTrustPolicyExternal } from "./trustPolicyExternal";

/** Every AWS detector, one file each in this folder. */
export const awsDetectors: Detector[] = [
  // public exposure
  awsS3BucketPolicyPublic,
  awsS3AclPublic,
  awsS3PublicAccessBlockDisabled,
  awsSnapshotSharedPublic,
  // admin grants
  awsAdminPolicyAttached,
  awsAdminInlinePolicy,
  awsAdminPolicyVersion,
  awsPrivilegedGroupMembership,
  awsNewIdentityMadeAdmin,
  // credential creation
  awsAccessKeyForOtherUser,
  awsRootAccessKeyCreated,
  awsLoginProfileForOtherUser,
  // cross-account trust
  awsTrustPolicyExternal,
  awsResourcePolicyExternal,
  awsAssumeRoleExternal,
  // root / break-glass
  awsRootConsoleLogin,
  awsRootApiCall,
  // logging tampering
  awsCloudTrailTampering,
  awsGuardDutyDisabled,
  awsConfigDisabled,
  awsFlowLogsDeleted,
  // MFA weakening
  awsMfaDeviceRemoved,
  awsConsoleLoginWithoutMfa,
  // identity lifecycle
  awsIamIdentityLifecycle,
  awsPrivilegedGroupChange,
  // reconnaissance
  awsDeniedBurst,
];
