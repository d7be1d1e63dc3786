/**
 * Exactly what the remediation executors call, for the deployment's least-privilege grants
 * (the Terraform test cross-checks its roles and policies against these lists) and for naming
 * the missing permission when a call is denied.
 */

export const GCP_PERMISSIONS = {
  policy: {
    project: { get: "resourcemanager.projects.getIamPolicy", set: "resourcemanager.projects.setIamPolicy" },
    folder: { get: "resourcemanager.folders.getIamPolicy", set: "resourcemanager.folders.setIamPolicy" },
    organization: {
      get: "resourcemanager.organizations.getIamPolicy",
      set: "resourcemanager.organizations.setIamPolicy",
    },
    bucket: { get: "storage.buckets.getIamPolicy", set: "storage.buckets.setIamPolicy" },
  },
  serviceAccountKey: {
    get: "iam.serviceAccountKeys.get",
    disable: "iam.serviceAccountKeys.disable",
    enable: "iam.serviceAccountKeys.enable",
  },
  /** Least-privilege apply may create a custom role with exactly the used permissions; undo deletes it. */
  customRole: { create: "iam.roles.create", delete: "iam.roles.delete" },
  serviceAccount: {
    get: "iam.serviceAccounts.get",
    disable: "iam.serviceAccounts.disable",
    enable: "iam.serviceAccounts.enable",
  },
} as const;

/** Every GCP permission the executors use (execute and undo). */
export const REQUIRED_GCP_PERMISSIONS: readonly string[] = [
  ...Object.values(GCP_PERMISSIONS.policy).flatMap((p) => [p.get, p.set]),
  ...Object.values(GCP_PERMISSIONS.serviceAccountKey),
  ...Object.values(GCP_PERMISSIONS.serviceAccount),
  ...Object.values(GCP_PERMISSIONS.customRole),
].sort();

/**
 * Predefined roles that together hold every permission above (checked against
 * detection/reference/gcp-roles.json by test/remediation/requiredPermissions.test.ts). Grant
 * them on the organization (or on each folder/project remediated), or make a custom role from
 * REQUIRED_GCP_PERMISSIONS.
 */
export const REQUIRED_GCP_ROLES: readonly string[] = [
  "roles/iam.securityAdmin",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.serviceAccountKeyAdmin",
  "roles/iam.roleAdmin",
];

/** SDK command → IAM action it needs (S3's API names differ from its action names). */
export const AWS_COMMAND_ACTIONS = {
  ListAttachedUserPoliciesCommand: "iam:ListAttachedUserPolicies",
  ListAttachedRolePoliciesCommand: "iam:ListAttachedRolePolicies",
  ListAttachedGroupPoliciesCommand: "iam:ListAttachedGroupPolicies",
  DetachUserPolicyCommand: "iam:DetachUserPolicy",
  DetachRolePolicyCommand: "iam:DetachRolePolicy",
  DetachGroupPolicyCommand: "iam:DetachGroupPolicy",
  AttachUserPolicyCommand: "iam:AttachUserPolicy",
  AttachRolePolicyCommand: "iam:AttachRolePolicy",
  AttachGroupPolicyCommand: "iam:AttachGroupPolicy",
  GetUserPolicyCommand: "iam:GetUserPolicy",
  GetRolePolicyCommand: "iam:GetRolePolicy",
  GetGroupPolicyCommand: "iam:GetGroupPolicy",
  DeleteUserPolicyCommand: "iam:DeleteUserPolicy",
  DeleteRolePolicyCommand: "iam:DeleteRolePolicy",
  DeleteGroupPolicyCommand: "iam:DeleteGroupPolicy",
  PutUserPolicyCommand: "iam:PutUserPolicy",
  PutRolePolicyCommand: "iam:PutRolePolicy",
  PutGroupPolicyCommand: "iam:PutGroupPolicy",
  ListAccessKeysCommand: "iam:ListAccessKeys",
  UpdateAccessKeyCommand: "iam:UpdateAccessKey",
  ListGroupsForUserCommand: "iam:ListGroupsForUser",
  RemoveUserFromGroupCommand: "iam:RemoveUserFromGroup",
  AddUserToGroupCommand: "iam:AddUserToGroup",
  GetLoginProfileCommand: "iam:GetLoginProfile",
  DeleteLoginProfileCommand: "iam:DeleteLoginProfile",
  GetRoleCommand: "iam:GetRole",
  UpdateAssumeRolePolicyCommand: "iam:UpdateAssumeRolePolicy",
  GetBucketPolicyCommand: "s3:GetBucketPolicy",
  PutBucketPolicyCommand: "s3:PutBucketPolicy",
  DeleteBucketPolicyCommand: "s3:DeleteBucketPolicy",
  GetPublicAccessBlockCommand: "s3:GetBucketPublicAccessBlock",
  PutPublicAccessBlockCommand: "s3:PutBucketPublicAccessBlock",
  // S3 authorizes DeletePublicAccessBlock with the Put action.
  DeletePublicAccessBlockCommand: "s3:PutBucketPublicAccessBlock",
} as const;

export type AwsCommandName = keyof typeof AWS_COMMAND_ACTIONS;

/** Every AWS action the executors use, in the target accounts (execute and undo). */
export const REQUIRED_AWS_ACTIONS: readonly string[] = [
  ...new Set(Object.values(AWS_COMMAND_ACTIONS)),
].sort();

/** Needed by the bot's own identity when AWS_ASSUME_ROLE_ARN_TEMPLATE is set. */
export const REQUIRED_AWS_CALLER_ACTIONS: readonly string[] = ["sts:AssumeRole"];
