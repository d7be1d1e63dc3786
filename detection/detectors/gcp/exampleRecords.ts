import { createHash } from "node:crypto";

/**
 * Builders of Cloud Audit Log LogEntries in Google's documented JSON shape (LogEntry with an
 * AuditLog protoPayload), used by the GCP detectors' examples, the tests and examples/gcp.
 * Values are realistic (gcloud user agents, audit log names, resource labels, serviceData
 * AuditData with policyDelta...) so the examples double as documentation.
 */

export type LogEntry = Record<string, unknown>;
export type DeltaSpec = [action: "ADD" | "REMOVE", role: string, member: string, condition?: string];

export const PROJECT = "acme-prod";
export const ORG_ID = "418723190517";
export const FOLDER_ID = "731046952180";
export const ADMIN = "alice@example.com";
export const GCLOUD_UA =
  "google-cloud-sdk gcloud/467.0.0 command/gcloud.projects.add-iam-policy-binding invocation-id/4c1f0e2a9b7d4e8fa1c3d5e7f9b1a3c5 environment/None environment-version/None client-os/LINUX client-os-ver/6.5.0 client-pltf-arch/x86_64 interactive/True from-script/False python/3.11.8 term/xterm-256color (Linux 6.5.0-1025-gcp),gzip(gfe)";
export const CONSOLE_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36,gzip(gfe)";

export interface EntryOptions {
  /** Defaults to a stable hash of the entry's content. */
  insertId?: string;
  timestamp?: string;
  /** Log parent: projects/P (default), organizations/N or folders/N. */
  logParent?: string;
  log?: "activity" | "data_access" | "system_event" | "policy";
  resourceType: string;
  labels: Record<string, string>;
  serviceName: string;
  methodName: string;
  resourceName: string;
  principal?: string;
  /** Service accounts the caller acted through, original caller first. */
  delegation?: string[];
  serviceAccountKeyName?: string;
  callerIp?: string;
  userAgent?: string;
  permissions?: { permission: string; granted?: boolean; resource?: string }[];
  status?: { code: number; message: string };
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  serviceData?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  resourceOriginalState?: Record<string, unknown>;
  resourceLocation?: Record<string, unknown>;
}

/** One LogEntry with an AuditLog protoPayload. */
export function logEntry(o: EntryOptions): LogEntry {
  const timestamp = o.timestamp ?? "2025-03-14T09:21:07.482915Z";
  const failed = o.status !== undefined && o.status.code !== 0;
  const log = o.log ?? "activity";
  const principal = o.principal ?? ADMIN;
  const authenticationInfo: Record<string, unknown> = { principalEmail: principal };
  if (o.delegation?.length) {
    authenticationInfo.serviceAccountDelegationInfo = o.delegation.map((email) => ({
      firstPartyPrincipal: { principalEmail: email },
    }));
  }
  if (o.serviceAccountKeyName) authenticationInfo.serviceAccountKeyName = o.serviceAccountKeyName;
  const protoPayload: Record<string, unknown> = {
    "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
    status: o.status ?? {},
    authenticationInfo,
    requestMetadata: {
      callerIp: o.callerIp ?? "198.51.100.23",
      callerSuppliedUserAgent: o.userAgent ?? GCLOUD_UA,
      requestAttributes: { time: timestamp, auth: {} },
      destinationAttributes: {},
    },
    serviceName: o.serviceName,
    methodName: o.methodName,
    authorizationInfo: (o.permissions ?? []).map((p) => ({
      resource: p.resource ?? o.resourceName,
      permission: p.permission,
      granted: p.granted ?? !failed,
      resourceAttributes: {},
    })),
    resourceName: o.resourceName,
  };
  if (o.resourceLocation) protoPayload.resourceLocation = o.resourceLocation;
  if (o.serviceData) protoPayload.serviceData = o.serviceData;
  if (o.request) protoPayload.request = o.request;
  if (o.response) protoPayload.response = o.response;
  if (o.metadata) protoPayload.metadata = o.metadata;
  if (o.resourceOriginalState) protoPayload.resourceOriginalState = o.resourceOriginalState;
  const logParent = o.logParent ?? `projects/${o.labels.project_id ?? PROJECT}`;
  const body = {
    protoPayload,
    insertId: "",
    resource: { type: o.resourceType, labels: o.labels },
    timestamp,
    severity: failed ? "ERROR" : log === "data_access" ? "INFO" : "NOTICE",
    logName: `${logParent}/logs/cloudaudit.googleapis.com%2F${log}`,
    receiveTimestamp: new Date(Date.parse(timestamp) + 734).toISOString().replace("Z", "112344Z"),
  };
  body.insertId = o.insertId ?? createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 12);
  return body;
}

/** Seconds after a base time, as an RFC 3339 timestamp with microseconds. */
export function at(secondsAfter: number, base = "2025-03-14T09:21:07.482Z"): string {
  return new Date(Date.parse(base) + secondsAfter * 1000).toISOString().replace("Z", "915Z");
}

function deltas(ds: DeltaSpec[]) {
  return ds.map(([action, role, member, condition]) => ({
    action,
    role,
    member,
    ...(condition ? { condition: { expression: condition, title: "limited" } } : {}),
  }));
}

function auditData(ds: DeltaSpec[], auditConfigDeltas?: Record<string, unknown>[]) {
  return {
    "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
    policyDelta: {
      ...(ds.length ? { bindingDeltas: deltas(ds) } : {}),
      ...(auditConfigDeltas ? { auditConfigDeltas } : {}),
    },
  };
}

/** The policy bindings after the deltas, starting from a typical existing policy. */
function policyAfter(ds: DeltaSpec[], base: [string, string[]][]) {
  const map = new Map(base.map(([r, m]) => [r, new Set(m)]));
  for (const [action, role, member] of ds) {
    const set = map.get(role) ?? new Set<string>();
    if (action === "ADD") set.add(member);
    else set.delete(member);
    map.set(role, set);
  }
  return [...map].filter(([, m]) => m.size).map(([role, m]) => ({ role, members: [...m].sort() }));
}

export interface ChangeOptions
  extends Partial<Omit<EntryOptions, "resourceType" | "labels" | "resourceName" | "serviceName">> {
  project?: string;
}

function failedOr<T>(o: ChangeOptions, value: T): T | undefined {
  return o.status && o.status.code !== 0 ? undefined : value;
}

/** cloudresourcemanager SetIamPolicy on a project, organization or folder. */
export function hierarchySetIamPolicy(
  level: "project" | "organization" | "folder",
  ds: DeltaSpec[],
  o: ChangeOptions & { auditConfigDeltas?: Record<string, unknown>[] } = {},
): LogEntry {
  const project = o.project ?? PROJECT;
  const resourceName =
    level === "project"
      ? `projects/${project}`
      : level === "organization"
        ? `organizations/${ORG_ID}`
        : `folders/${FOLDER_ID}`;
  const labels: Record<string, string> =
    level === "project"
      ? { project_id: project }
      : level === "organization"
        ? { organization_id: ORG_ID }
        : { folder_id: FOLDER_ID };
  const bindings = policyAfter(ds, [
    ["roles/owner", [`user:${ADMIN}`]],
    ["roles/viewer", ["group:sre@example.com"]],
  ]);
  const permission =
    level === "project"
      ? "resourcemanager.projects.setIamPolicy"
      : level === "organization"
        ? "resourcemanager.organizations.setIamPolicy"
        : "resourcemanager.folders.setIamPolicy";
  const removedAudit = (o.auditConfigDeltas ?? []).some((d) => d.action === "REMOVE");
  const auditConfigs = removedAudit
    ? []
    : [
        {
          service: "allServices",
          auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
        },
      ];
  const policy = { version: 1, etag: "BwYQ3n5Kq8A=", bindings, auditConfigs };
  return logEntry({
    ...o,
    resourceType: level,
    labels,
    logParent: level === "project" ? `projects/${project}` : resourceName,
    serviceName: "cloudresourcemanager.googleapis.com",
    methodName: "SetIamPolicy",
    resourceName,
    permissions: o.permissions ?? [{ permission }],
    serviceData: failedOr(o, auditData(ds, o.auditConfigDeltas)),
    request: {
      "@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
      resource: level === "project" ? project : resourceName,
      policy,
      updateMask: o.auditConfigDeltas ? "bindings,etag,auditConfigs" : "bindings,etag",
    },
    response: failedOr(o, {
      "@type": "type.googleapis.com/google.iam.v1.Policy",
      ...policy,
      etag: "BwYQ3o1xR2c=",
    }),
  });
}

/** Cloud Storage bucket IAM change (storage.setIamPermissions), also how ACL changes are logged. */
export function bucketSetIamPolicy(
  bucket: string,
  ds: DeltaSpec[],
  o: ChangeOptions & { object?: string } = {},
) {
  const project = o.project ?? PROJECT;
  const resourceName = o.object
    ? `projects/_/buckets/${bucket}/objects/${o.object}`
    : `projects/_/buckets/${bucket}`;
  return logEntry({
    ...o,
    resourceType: "gcs_bucket",
    labels: { bucket_name: bucket, location: "us-central1", project_id: project },
    serviceName: "storage.googleapis.com",
    methodName: "storage.setIamPermissions",
    resourceName,
    resourceLocation: { currentLocations: ["us-central1"] },
    permissions: o.permissions ?? [
      { permission: o.object ? "storage.objects.setIamPolicy" : "storage.buckets.setIamPolicy" },
    ],
    serviceData: failedOr(o, auditData(ds)),
    userAgent:
      o.userAgent ??
      GCLOUD_UA.replace(
        "gcloud.projects.add-iam-policy-binding",
        "gcloud.storage.buckets.add-iam-policy-binding",
      ),
  });
}

/** BigQuery dataset access change: BigQueryAuditMetadata.datasetChange.bindingDeltas. */
export function bigQueryDatasetChange(dataset: string, ds: DeltaSpec[], o: ChangeOptions = {}) {
  const project = o.project ?? PROJECT;
  const resourceName = `projects/${project}/datasets/${dataset}`;
  return logEntry({
    ...o,
    resourceType: "bigquery_dataset",
    labels: { dataset_id: dataset, project_id: project },
    serviceName: "bigquery.googleapis.com",
    methodName: "google.iam.v1.IAMPolicy.SetIamPolicy",
    resourceName,
    permissions: o.permissions ?? [{ permission: "bigquery.datasets.setIamPolicy" }],
    metadata: failedOr(o, {
      "@type": "type.googleapis.com/google.cloud.audit.BigQueryAuditMetadata",
      datasetChange: {
        dataset: { datasetName: resourceName, acl: { policy: {} }, updateTime: o.timestamp ?? at(0) },
        bindingDeltas: deltas(ds),
        reason: "SET_IAM_POLICY",
      },
    }),
  });
}

interface ServiceSpec {
  resourceType: string;
  labels: Record<string, string>;
  serviceName: string;
  methodName: string;
  resourceName: string;
  permission: string;
}

/** SetIamPolicy through the generic google.iam.v1.IAMPolicy surface of a service. */
export function serviceSetIamPolicy(
  kind: "pubsubTopic" | "kmsKey" | "cloudRun" | "cloudFunction" | "secret",
  name: string,
  ds: DeltaSpec[],
  o: ChangeOptions = {},
) {
  const project = o.project ?? PROJECT;
  const specs: Record<typeof kind, ServiceSpec> = {
    pubsubTopic: {
      resourceType: "pubsub_topic",
      labels: { topic_id: name, project_id: project },
      serviceName: "pubsub.googleapis.com",
      methodName: "google.iam.v1.IAMPolicy.SetIamPolicy",
      resourceName: `projects/${project}/topics/${name}`,
      permission: "pubsub.topics.setIamPolicy",
    },
    kmsKey: {
      resourceType: "cloudkms_cryptokey",
      labels: { crypto_key_id: name, key_ring_id: "app", location: "global", project_id: project },
      serviceName: "cloudkms.googleapis.com",
      methodName: "SetIamPolicy",
      resourceName: `projects/${project}/locations/global/keyRings/app/cryptoKeys/${name}`,
      permission: "cloudkms.cryptoKeys.setIamPolicy",
    },
    cloudRun: {
      resourceType: "cloud_run_revision",
      labels: {
        service_name: name,
        location: "us-central1",
        project_id: project,
        configuration_name: "",
        revision_name: "",
      },
      serviceName: "run.googleapis.com",
      methodName: "google.cloud.run.v1.Services.SetIamPolicy",
      resourceName: `projects/${project}/locations/us-central1/services/${name}`,
      permission: "run.services.setIamPolicy",
    },
    cloudFunction: {
      resourceType: "cloud_function",
      labels: { function_name: name, region: "us-central1", project_id: project },
      serviceName: "cloudfunctions.googleapis.com",
      methodName: "google.cloud.functions.v1.CloudFunctionsService.SetIamPolicy",
      resourceName: `projects/${project}/locations/us-central1/functions/${name}`,
      permission: "cloudfunctions.functions.setIamPolicy",
    },
    secret: {
      resourceType: "secretmanager.googleapis.com/Secret",
      labels: {
        secret_id: name,
        location: "",
        resource_container: "projects/908712345678",
        project_id: project,
      },
      serviceName: "secretmanager.googleapis.com",
      methodName: "google.cloud.secretmanager.v1.SecretManagerService.SetIamPolicy",
      resourceName: `projects/${project}/secrets/${name}`,
      permission: "secretmanager.secrets.setIamPolicy",
    },
  };
  const spec = specs[kind];
  const bindings = policyAfter(ds, []);
  return logEntry({
    ...o,
    resourceType: spec.resourceType,
    labels: spec.labels,
    serviceName: spec.serviceName,
    methodName: spec.methodName,
    resourceName: spec.resourceName,
    permissions: o.permissions ?? [{ permission: spec.permission }],
    serviceData: failedOr(o, auditData(ds)),
    request: {
      "@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
      resource: spec.resourceName,
      policy: { bindings, etag: "BwYQ2k9cT1E=" },
    },
    response: failedOr(o, {
      "@type": "type.googleapis.com/google.iam.v1.Policy",
      bindings,
      etag: "BwYQ2lHq0aM=",
    }),
  });
}

export function saEmail(name: string, project = PROJECT): string {
  return `${name}@${project}.iam.gserviceaccount.com`;
}
const SA_UNIQUE_IDS: Record<string, string> = {};
function uniqueId(email: string): string {
  if (!SA_UNIQUE_IDS[email]) {
    const digits = BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 15)}`)
      .toString()
      .padStart(20, "7");
    SA_UNIQUE_IDS[email] = `1${digits.slice(0, 20)}`;
  }
  return SA_UNIQUE_IDS[email];
}
function saLabels(email: string) {
  return { email_id: email, project_id: email.split("@")[1].split(".")[0], unique_id: uniqueId(email) };
}

/** google.iam.admin.v1 CreateServiceAccountKey / UploadServiceAccountKey / Disable / Delete. */
export function serviceAccountKeyCall(
  op: "Create" | "Upload" | "Disable" | "Delete",
  sa: string,
  o: ChangeOptions & { keyId?: string } = {},
) {
  const keyId = o.keyId ?? "3f1c9a7be2d04c5a8e61f0b2d9c7a4e6b1d3f5a7";
  const keyName = `projects/${sa.split("@")[1].split(".")[0]}/serviceAccounts/${sa}/keys/${keyId}`;
  const id = uniqueId(sa);
  const permission = {
    Create: "iam.serviceAccountKeys.create",
    Upload: "iam.serviceAccountKeys.create",
    Disable: "iam.serviceAccountKeys.disable",
    Delete: "iam.serviceAccountKeys.delete",
  }[op];
  const request =
    op === "Create"
      ? {
          "@type": "type.googleapis.com/google.iam.admin.v1.CreateServiceAccountKeyRequest",
          name: `projects/-/serviceAccounts/${sa}`,
          private_key_type: 2,
        }
      : op === "Upload"
        ? {
            "@type": "type.googleapis.com/google.iam.admin.v1.UploadServiceAccountKeyRequest",
            name: `projects/-/serviceAccounts/${sa}`,
          }
        : { "@type": `type.googleapis.com/google.iam.admin.v1.${op}ServiceAccountKeyRequest`, name: keyName };
  const response =
    op === "Create" || op === "Upload"
      ? {
          "@type": "type.googleapis.com/google.iam.admin.v1.ServiceAccountKey",
          name: keyName,
          valid_after_time: { seconds: 1741944067 },
          valid_before_time: { seconds: 253402300799 },
          key_algorithm: 2,
          private_key_type: op === "Create" ? 2 : 0,
          key_origin: op === "Create" ? 2 : 1,
          key_type: 1,
        }
      : undefined;
  return logEntry({
    ...o,
    resourceType: "service_account",
    labels: saLabels(sa),
    serviceName: "iam.googleapis.com",
    methodName: `google.iam.admin.v1.${op}ServiceAccountKey`,
    resourceName: op === "Create" || op === "Upload" ? `projects/-/serviceAccounts/${id}` : keyName,
    permissions: o.permissions ?? [{ permission, resource: `projects/-/serviceAccounts/${id}` }],
    request,
    response: response && failedOr(o, response),
  });
}

/** google.iam.admin.v1 Create / Delete / Disable / Enable ServiceAccount. */
export function serviceAccountLifecycle(
  op: "Create" | "Delete" | "Disable" | "Enable",
  sa: string,
  o: ChangeOptions = {},
) {
  const project = sa.split("@")[1].split(".")[0];
  const id = uniqueId(sa);
  const request =
    op === "Create"
      ? {
          "@type": "type.googleapis.com/google.iam.admin.v1.CreateServiceAccountRequest",
          name: `projects/${project}`,
          account_id: sa.split("@")[0],
          service_account: { display_name: sa.split("@")[0] },
        }
      : {
          "@type": `type.googleapis.com/google.iam.admin.v1.${op}ServiceAccountRequest`,
          name: `projects/-/serviceAccounts/${id}`,
        };
  const response =
    op === "Create"
      ? {
          "@type": "type.googleapis.com/google.iam.admin.v1.ServiceAccount",
          name: `projects/${project}/serviceAccounts/${sa}`,
          project_id: project,
          unique_id: id,
          email: sa,
          display_name: sa.split("@")[0],
          etag: "MDEwMjE5MjA=",
          oauth2_client_id: id,
        }
      : op === "Delete"
        ? { "@type": "type.googleapis.com/google.protobuf.Empty" }
        : undefined;
  return logEntry({
    ...o,
    resourceType: "service_account",
    labels: saLabels(sa),
    serviceName: "iam.googleapis.com",
    methodName: `google.iam.admin.v1.${op}ServiceAccount`,
    resourceName:
      op === "Create" ? `projects/${project}/serviceAccounts/${sa}` : `projects/-/serviceAccounts/${id}`,
    permissions: o.permissions ?? [{ permission: `iam.serviceAccounts.${op.toLowerCase()}` }],
    request,
    response: response && failedOr(o, response),
  });
}

/** google.iam.admin.v1 CreateRole / UpdateRole of a custom role. */
export function customRoleChange(
  op: "Create" | "Update",
  roleId: string,
  permissions: string[],
  o: ChangeOptions = {},
) {
  const project = o.project ?? PROJECT;
  const name = `projects/${project}/roles/${roleId}`;
  const role = {
    title: roleId,
    description: "Managed by platform team",
    included_permissions: permissions,
    stage: 2,
  };
  return logEntry({
    ...o,
    resourceType: "iam_role",
    labels: { project_id: project, role_name: name },
    serviceName: "iam.googleapis.com",
    methodName: `google.iam.admin.v1.${op}Role`,
    resourceName: name,
    permissions: o.permissions ?? [{ permission: `iam.roles.${op.toLowerCase()}` }],
    request:
      op === "Create"
        ? {
            "@type": "type.googleapis.com/google.iam.admin.v1.CreateRoleRequest",
            parent: `projects/${project}`,
            role_id: roleId,
            role,
          }
        : {
            "@type": "type.googleapis.com/google.iam.admin.v1.UpdateRoleRequest",
            name,
            role,
            update_mask: { paths: ["included_permissions"] },
          },
    response: failedOr(o, {
      "@type": "type.googleapis.com/google.iam.admin.v1.Role",
      name,
      ...role,
      etag: "BwYQ4c1bN3k=",
    }),
  });
}

/** IAM Credentials API call (Data Access log): GenerateAccessToken, SignBlob, SignJwt. */
export function credentialsCall(
  op: "GenerateAccessToken" | "SignBlob" | "SignJwt" | "GenerateIdToken",
  sa: string,
  o: ChangeOptions = {},
) {
  const id = uniqueId(sa);
  const permission = {
    GenerateAccessToken: "iam.serviceAccounts.getAccessToken",
    SignBlob: "iam.serviceAccounts.signBlob",
    SignJwt: "iam.serviceAccounts.signJwt",
    GenerateIdToken: "iam.serviceAccounts.getOpenIdToken",
  }[op];
  return logEntry({
    log: "data_access",
    userAgent: "google-api-go-client/0.5 gcloud-golang/0.1 (gzip),gzip(gfe)",
    ...o,
    resourceType: "service_account",
    labels: saLabels(sa),
    serviceName: "iamcredentials.googleapis.com",
    methodName: op,
    resourceName: `projects/-/serviceAccounts/${id}`,
    permissions: o.permissions ?? [{ permission }],
    request: {
      "@type": `type.googleapis.com/google.iam.credentials.v1.${op}Request`,
      name: `projects/-/serviceAccounts/${sa}`,
      ...(op === "GenerateAccessToken"
        ? { scope: ["https://www.googleapis.com/auth/cloud-platform"], lifetime: "3600s" }
        : {}),
    },
    metadata: { identityDelegationChain: [`projects/-/serviceAccounts/${sa}`] },
  });
}

/** Logging config changes: sinks and exclusions (google.logging.v2.ConfigServiceV2). */
export function sinkChange(
  op: "Create" | "Update" | "Delete",
  sinkId: string,
  o: ChangeOptions & {
    sink?: Record<string, unknown>;
    before?: Record<string, unknown>;
    updateMask?: string;
  } = {},
) {
  const project = o.project ?? PROJECT;
  const name = `projects/${project}/sinks/${sinkId}`;
  const destination =
    (o.sink?.destination as string) ?? "pubsub.googleapis.com/projects/acme-sec/topics/siem-ingest";
  const request: Record<string, unknown> = {
    "@type": `type.googleapis.com/google.logging.v2.${op}SinkRequest`,
  };
  if (op === "Create") {
    request.parent = `projects/${project}`;
    request.sink = { name: sinkId, destination, filter: 'logName:"cloudaudit.googleapis.com"', ...o.sink };
    request.uniqueWriterIdentity = true;
  } else {
    request.sinkName = name;
    if (op === "Update") {
      request.sink = { name: sinkId, destination, ...o.sink };
      request.updateMask = o.updateMask ?? Object.keys(o.sink ?? {}).join(",");
    }
  }
  return logEntry({
    ...o,
    resourceType: "logging_sink",
    labels: { destination, name: sinkId, project_id: project },
    serviceName: "logging.googleapis.com",
    methodName: `google.logging.v2.ConfigServiceV2.${op}Sink`,
    resourceName: name,
    permissions: o.permissions ?? [{ permission: `logging.sinks.${op.toLowerCase()}` }],
    request,
    resourceOriginalState: o.before ? { name: sinkId, destination, ...o.before } : undefined,
  });
}

export function exclusionChange(
  op: "Create" | "Update" | "Delete",
  exclusionId: string,
  o: ChangeOptions & { filter?: string; disabled?: boolean } = {},
) {
  const project = o.project ?? PROJECT;
  const name = `projects/${project}/exclusions/${exclusionId}`;
  const exclusion = {
    name: exclusionId,
    description: "reduce ingestion cost",
    filter:
      o.filter ??
      'logName:"cloudaudit.googleapis.com%2Fdata_access" AND protoPayload.serviceName="iam.googleapis.com"',
    ...(o.disabled !== undefined ? { disabled: o.disabled } : {}),
  };
  const request: Record<string, unknown> =
    op === "Create"
      ? {
          "@type": "type.googleapis.com/google.logging.v2.CreateExclusionRequest",
          parent: `projects/${project}`,
          exclusion,
        }
      : op === "Update"
        ? {
            "@type": "type.googleapis.com/google.logging.v2.UpdateExclusionRequest",
            name,
            exclusion,
            updateMask: "filter,disabled",
          }
        : { "@type": "type.googleapis.com/google.logging.v2.DeleteExclusionRequest", name };
  return logEntry({
    ...o,
    resourceType: "logging_exclusion",
    labels: { name: exclusionId, project_id: project },
    serviceName: "logging.googleapis.com",
    methodName: `google.logging.v2.ConfigServiceV2.${op}Exclusion`,
    resourceName: name,
    permissions: o.permissions ?? [{ permission: `logging.exclusions.${op.toLowerCase()}` }],
    request,
  });
}

export const PERMISSION_DENIED = { code: 7, message: "PERMISSION_DENIED" };

/** A read the caller was not allowed to make (reconnaissance shows up as a burst of these). */
export function deniedGetIamPolicy(principal: string, i: number, base?: string) {
  const targets = [
    [
      "project",
      `projects/${PROJECT}`,
      "cloudresourcemanager.googleapis.com",
      "GetIamPolicy",
      "resourcemanager.projects.getIamPolicy",
    ],
    [
      "gcs_bucket",
      "projects/_/buckets/acme-payroll",
      "storage.googleapis.com",
      "storage.getIamPermissions",
      "storage.buckets.getIamPolicy",
    ],
    [
      "service_account",
      `projects/${PROJECT}/serviceAccounts/${saEmail("deployer")}`,
      "iam.googleapis.com",
      "google.iam.admin.v1.ListServiceAccountKeys",
      "iam.serviceAccountKeys.list",
    ],
    [
      "project",
      `projects/${PROJECT}`,
      "iam.googleapis.com",
      "google.iam.admin.v1.ListServiceAccounts",
      "iam.serviceAccounts.list",
    ],
  ] as const;
  const [resourceType, resourceName, serviceName, methodName, permission] = targets[i % targets.length];
  return logEntry({
    timestamp: at(i * 7, base),
    log: "data_access",
    principal,
    callerIp: "45.83.64.12",
    userAgent: "python-requests/2.31.0",
    resourceType,
    labels:
      resourceType === "gcs_bucket"
        ? { bucket_name: "acme-payroll", location: "us", project_id: PROJECT }
        : { project_id: PROJECT },
    serviceName,
    methodName,
    resourceName,
    status: PERMISSION_DENIED,
    permissions: [{ permission, granted: false }],
  });
}
