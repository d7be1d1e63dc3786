/**
 * How much an unused permission costs when a proposed role still carries it. Excess is not all
 * equal: a leftover `setIamPolicy` lets its holder grant itself anything, a leftover data read
 * exposes data, a delete destroys it. Integer weights keep cover costs exact.
 */

export const WEIGHT = {
  iamChange: 25,
  dataRead: 8,
  delete: 5,
  write: 2,
  other: 1,
} as const;

/** Role-level surcharge for admin roles and the basic roles, on top of their excess. */
export const ADMIN_ROLE_SURCHARGE = 20;
/** Every extra role costs a little, so a cover prefers fewer roles at equal excess. */
export const ROLE_BASE_COST = 1;

const IAM_CHANGING = new Set([
  "iam.serviceAccounts.actAs",
  "iam.serviceAccounts.getAccessToken",
  "iam.serviceAccounts.getOpenIdToken",
  "iam.serviceAccounts.signBlob",
  "iam.serviceAccounts.signJwt",
  "iam.serviceAccounts.implicitDelegation",
  "iam.serviceAccountKeys.create",
  "iam.serviceAccountKeys.upload",
  "iam.roles.create",
  "iam.roles.update",
  "iam.roles.undelete",
  "orgpolicy.policy.set",
  "resourcemanager.projects.createPolicyBinding",
  "resourcemanager.organizations.createPolicyBinding",
  "resourcemanager.folders.createPolicyBinding",
  "iam.denypolicies.delete",
  "iam.denypolicies.update",
]);

const DATA_READ = new Set([
  "storage.objects.get",
  "bigquery.tables.getData",
  "bigquery.tables.export",
  "secretmanager.versions.access",
  "cloudkms.cryptoKeyVersions.useToDecrypt",
  "spanner.databases.read",
  "spanner.databases.select",
  "datastore.entities.get",
  "datastore.entities.list",
  "bigtable.tables.readRows",
  "cloudsql.instances.connect",
  "cloudsql.instances.export",
  "firebase.clients.get",
  "logging.privateLogEntries.list",
  "compute.disks.createSnapshot",
  "compute.snapshots.useReadOnly",
  "pubsub.subscriptions.consume",
]);

const cache = new Map<string, number>();

export function permissionWeight(permission: string): number {
  const hit = cache.get(permission);
  if (hit !== undefined) return hit;
  const w = computeWeight(permission);
  cache.set(permission, w);
  return w;
}

function computeWeight(p: string): number {
  const verb = p.slice(p.lastIndexOf(".") + 1);
  if (verb === "setIamPolicy" || IAM_CHANGING.has(p)) return WEIGHT.iamChange;
  if (DATA_READ.has(p) || verb === "getData" || verb === "access" || verb === "readRows")
    return WEIGHT.dataRead;
  if (verb === "delete" || verb === "destroy" || verb === "purge" || verb === "undelete")
    return WEIGHT.delete;
  if (/^(create|update|patch|set|insert|deploy|run|invoke|enable|disable|move|attach)/.test(verb))
    return WEIGHT.write;
  return WEIGHT.other;
}

export function riskReason(permission: string): string {
  switch (permissionWeight(permission)) {
    case WEIGHT.iamChange:
      return "changes IAM or acts as another identity";
    case WEIGHT.dataRead:
      return "reads data";
    case WEIGHT.delete:
      return "deletes";
    case WEIGHT.write:
      return "changes resources";
    default:
      return "reads metadata";
  }
}

/** Admin roles (`*.admin`, `*Admin`) and the basic roles owner / editor. */
export function isAdminRole(role: string): boolean {
  return role === "roles/owner" || role === "roles/editor" || /[.]admin$|Admin$/.test(role);
}
