import type { Detector } from "../../detector";
import { awsAdminInlinePolicy } from "./adminInlinePolicy";
import { awsAdminPolicyAttached } from "./adminPolicyAttached";
import { awsAdminPolicyVersion } from "./adminPolicyVersion";
import { awsNewIdentityMadeAdmin } from "./newIdentityMadeAdmin";
import { awsPrivilegedGroupMembership } from "./privilegedGroupMembership";
import { awsS3AclPublic } from "./s3AclPublic";
import { awsS3BucketPolicyPublic } from "./s3BucketPolicyPublic";
import { awsS3PublicAccessBlockDisabled } from "./s3PublicAccessBlockDisabled";
import { awsSnapshotSharedPublic } from "./snapshotSharedPublic";

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
];
