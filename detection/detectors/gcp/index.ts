import type { Detector } from "../../detector";
import { gcpAuditConfigRemoved } from "./auditConfigRemoved";
import { gcpCustomRolePrivileged } from "./customRolePrivileged";
import { gcpDelegationChain } from "./delegationChain";
import { gcpDeniedBurst } from "./deniedBurst";
import { gcpExternalMemberGrant } from "./externalMemberGrant";
import { gcpHierarchyPolicyChange } from "./hierarchyPolicyChange";
import { gcpImpersonationRoleGrant } from "./impersonationRoleGrant";
import { gcpLogExclusionCreated } from "./logExclusionCreated";
import { gcpLogSinkTampering } from "./logSinkTampering";
import { gcpNewImpersonationCaller } from "./newImpersonationCaller";
import { gcpOrgFolderGrant } from "./orgFolderGrant";
import { gcpOwnerEditorGrant } from "./ownerEditorGrant";
import { gcpPrivilegedRoleGrant } from "./privilegedRoleGrant";
import { gcpPublicBucket } from "./publicBucket";
import { gcpPublicResource } from "./publicResource";
import { gcpServiceAccountKeyCreated } from "./serviceAccountKeyCreated";
import { gcpServiceAccountLifecycle } from "./serviceAccountLifecycle";

/** Every GCP detector, one file each in this folder. */
export const gcpDetectors: Detector[] = [
  // public exposure
  gcpPublicBucket,
  gcpPublicResource,
  // admin grants
  gcpOwnerEditorGrant,
  gcpPrivilegedRoleGrant,
  gcpOrgFolderGrant,
  gcpCustomRolePrivileged,
  // sensitive policy changes
  gcpHierarchyPolicyChange,
  gcpExternalMemberGrant,
  // credentials and impersonation
  gcpServiceAccountKeyCreated,
  gcpImpersonationRoleGrant,
  gcpNewImpersonationCaller,
  gcpDelegationChain,
  // logging tampering
  gcpAuditConfigRemoved,
  gcpLogSinkTampering,
  gcpLogExclusionCreated,
  // identity lifecycle
  gcpServiceAccountLifecycle,
  // reconnaissance
  gcpDeniedBurst,
];
