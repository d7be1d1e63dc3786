import type { Detector } from "../../detector";
import { awsS3AclPublic } from "./s3AclPublic";
import { awsS3BucketPolicyPublic } from "./s3BucketPolicyPublic";
import { awsS3PublicAccessBlockDisabled } from "./s3PublicAccessBlockDisabled";
import { awsSnapshotSharedPublic } from "./snapshotSharedPublic";

/** Every AWS detector, one file each in this folder. */
export const awsDetectors: Detector[] = [
  awsS3BucketPolicyPublic,
  awsS3AclPublic,
  awsS3PublicAccessBlockDisabled,
  awsSnapshotSharedPublic,
];
