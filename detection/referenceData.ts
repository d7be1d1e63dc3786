import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Cloud IAM reference data (GCP predefined roles and permissions, AWS actions with access
 * levels, AWS managed policies), copied from ../shared/data with its provenance into
 * detection/reference/ (see PROVENANCE.md there). Loaded lazily, once per process, and
 * read-only afterwards, so the pure detection middle can consult it without I/O per event.
 */

export interface GcpRole {
  title: string;
  stage: "GA" | "BETA" | "ALPHA" | "DEPRECATED";
  permissions: string[];
  privesc?: boolean;
  data_access?: boolean;
  credentials_exposure?: boolean;
  no_permission_list?: boolean;
}

export type AwsAccessLevel = "List" | "Read" | "Write" | "Permissions management" | "Tagging";

export interface AwsStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, unknown>;
  Principal?: unknown;
}

export interface AwsManagedPolicy {
  arn: string | null;
  version: string;
  updated: string;
  deprecated: boolean;
  privesc: boolean;
  resource_exposure: boolean;
  credentials_exposure: boolean;
  data_access: boolean;
  access_levels: string[];
  statements: AwsStatement[];
}

const dir = fileURLToPath(new URL("./reference/", import.meta.url));
function load<T>(file: string): T {
  return JSON.parse(readFileSync(dir + file, "utf8")) as T;
}

let gcpRoles: { roles: Record<string, GcpRole>; removed_roles: Record<string, GcpRole> } | undefined;
let awsActions:
  | { actions: Record<string, AwsAccessLevel>; retired_actions: Record<string, AwsAccessLevel> }
  | undefined;
let awsPolicies: { policies: Record<string, AwsManagedPolicy> } | undefined;
let gcpMethods: { methods: Record<string, string[]> } | undefined;
let awsActionsLower: Map<string, { name: string; level: AwsAccessLevel }> | undefined;

export function gcpRoleData(): { roles: Record<string, GcpRole>; removed_roles: Record<string, GcpRole> } {
  const d = gcpRoles ?? load<NonNullable<typeof gcpRoles>>("gcp-roles.json");
  gcpRoles = d;
  return d;
}

/** A predefined role (current or removed), or undefined for custom/unknown roles. */
export function gcpRole(name: string): GcpRole | undefined {
  const d = gcpRoleData();
  return d.roles[name] ?? d.removed_roles[name];
}

export function awsActionData(): {
  actions: Record<string, AwsAccessLevel>;
  retired_actions: Record<string, AwsAccessLevel>;
} {
  const d = awsActions ?? load<NonNullable<typeof awsActions>>("aws-actions.json");
  awsActions = d;
  return d;
}

/** Actions keyed by lower-cased name (IAM compares actions case-insensitively). */
export function awsActionsByLowerName(): Map<string, { name: string; level: AwsAccessLevel }> {
  if (!awsActionsLower) {
    const m = new Map<string, { name: string; level: AwsAccessLevel }>();
    for (const [name, level] of Object.entries(awsActionData().actions))
      m.set(name.toLowerCase(), { name, level });
    awsActionsLower = m;
  }
  return awsActionsLower;
}

export function awsManagedPolicies(): Record<string, AwsManagedPolicy> {
  const d = awsPolicies ?? load<NonNullable<typeof awsPolicies>>("aws-managed-policies.json");
  awsPolicies = d;
  return d.policies;
}

/** Managed policy by ARN or by name. */
export function awsManagedPolicy(arnOrName: string): AwsManagedPolicy | undefined {
  const name = arnOrName.includes("/") ? arnOrName.slice(arnOrName.lastIndexOf("/") + 1) : arnOrName;
  const p = awsManagedPolicies()[name];
  if (!p) return undefined;
  if (arnOrName.startsWith("arn:") && p.arn && p.arn !== arnOrName) return undefined;
  return p;
}

/** Google API method id → the IAM permissions it checks. */
export function gcpMethodPermissions(): Record<string, string[]> {
  const d = gcpMethods ?? load<NonNullable<typeof gcpMethods>>("gcp-method-permissions.json");
  gcpMethods = d;
  return d.methods;
}
