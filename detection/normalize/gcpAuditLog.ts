import { z } from "zod";
import type { Actor, ActorKind, Grant, IamEvent, Target, TargetLevel } from "../model";
import { fastParser } from "./fastParse";
import {
  type GcpDetails,
  GcpDetailsSchema,
  type GcpPolicy,
  GcpPolicySchema,
  knownGcpDetails,
} from "./gcpDetails";
import { isoTime, isParsableTime } from "./isoTime";
import { withoutUndefined } from "./withoutUndefined";

/**
 * Cloud Logging LogEntry whose protoPayload is a google.cloud.audit.AuditLog → IamEvent.
 * Shapes follow Google's LogEntry and AuditLog references; unknown fields pass through
 * untouched (audit payloads grow), known ones are validated. request / response /
 * serviceData / metadata are service-specific Structs, so only the parts we read are typed.
 */

export const AUDIT_LOG_TYPE = "type.googleapis.com/google.cloud.audit.AuditLog";

const DelegationSchema = z.looseObject({
  principalSubject: z.string().optional(),
  firstPartyPrincipal: z
    .looseObject({ principalEmail: z.string().optional(), serviceMetadata: z.unknown().optional() })
    .optional(),
  thirdPartyPrincipal: z.looseObject({ thirdPartyClaims: z.unknown().optional() }).optional(),
});

const AuthenticationInfoSchema = z.looseObject({
  principalEmail: z.string().optional(),
  principalSubject: z.string().optional(),
  authoritySelector: z.string().optional(),
  serviceAccountKeyName: z.string().optional(),
  serviceAccountDelegationInfo: z.array(DelegationSchema).optional(),
});

const AuthorizationInfoSchema = z.looseObject({
  resource: z.string().optional(),
  permission: z.string().optional(),
  granted: z.boolean().optional(),
  permissionType: z.string().optional(),
});

const StatusSchema = z.looseObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});

const RequestMetadataSchema = z.looseObject({
  callerIp: z.string().optional(),
  callerSuppliedUserAgent: z.string().optional(),
  callerNetwork: z.string().optional(),
});

const BindingDeltaSchema = z.looseObject({
  action: z.enum(["ADD", "REMOVE", "ACTION_UNSPECIFIED"]),
  role: z.string(),
  member: z.string(),
  condition: z.looseObject({ expression: z.string().optional(), title: z.string().optional() }).optional(),
});

const AuditConfigDeltaSchema = z.looseObject({
  action: z.enum(["ADD", "REMOVE", "ACTION_UNSPECIFIED"]),
  service: z.string().optional(),
  exemptedMember: z.string().optional(),
  logType: z.string().optional(),
});

const PolicyDeltaSchema = z.looseObject({
  bindingDeltas: z.array(BindingDeltaSchema).optional(),
  auditConfigDeltas: z.array(AuditConfigDeltaSchema).optional(),
});

const StructSchema = z.record(z.string(), z.unknown());

export const AuditLogSchema = z.looseObject({
  "@type": z.literal(AUDIT_LOG_TYPE),
  serviceName: z.string().min(1),
  methodName: z.string().min(1),
  resourceName: z.string().optional(),
  resourceLocation: z.unknown().optional(),
  resourceOriginalState: StructSchema.optional(),
  numResponseItems: z.union([z.string(), z.number()]).optional(),
  status: StatusSchema.optional(),
  authenticationInfo: AuthenticationInfoSchema.optional(),
  authorizationInfo: z.array(AuthorizationInfoSchema).optional(),
  requestMetadata: RequestMetadataSchema.optional(),
  request: StructSchema.optional(),
  response: StructSchema.optional(),
  metadata: StructSchema.optional(),
  serviceData: StructSchema.optional(),
});
export type AuditLog = z.infer<typeof AuditLogSchema>;

export const GcpLogEntrySchema = z.looseObject({
  logName: z.string().min(1),
  resource: z.looseObject({
    type: z.string().min(1),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  timestamp: z.string().refine(isParsableTime, "not an RFC 3339 timestamp"),
  receiveTimestamp: z.string().optional(),
  severity: z.string().optional(),
  insertId: z.string().min(1),
  protoPayload: z.looseObject({ "@type": z.string() }),
  operation: z.unknown().optional(),
});
export type GcpLogEntry = z.infer<typeof GcpLogEntrySchema>;
const parseLogEntry = fastParser(GcpLogEntrySchema);
const parseAuditLog = fastParser(AuditLogSchema);
const parsePolicyDelta = fastParser(PolicyDeltaSchema);
const parseGcpDetails = fastParser(GcpDetailsSchema);

/** `GcpDetailsSchema.parse` through the compiled check: same result, same ZodError on reject. */
function checkGcpDetails(value: unknown): GcpDetails {
  const r = parseGcpDetails(value);
  if (!r.success) throw r.error;
  return r.data;
}

/** True when the value looks like a Cloud Audit Logs LogEntry (has a protoPayload). */
export function isGcpLogEntry(value: unknown): boolean {
  return typeof value === "object" && value !== null && "protoPayload" in value;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

/** Cloud Audit Log LogEntry (protoPayload AuditLog) → IamEvent. Throws on a malformed entry. */
export function normalizeGcpLogEntry(entry: unknown): IamEvent {
  const parsedEntry = parseLogEntry(entry);
  if (!parsedEntry.success) {
    throw new Error(`malformed Cloud Audit LogEntry: ${describeIssues(parsedEntry.error)}`);
  }
  const e = parsedEntry.data;
  if (e.protoPayload["@type"] !== AUDIT_LOG_TYPE) {
    throw new Error(
      `LogEntry ${e.insertId}: protoPayload is ${e.protoPayload["@type"]}, not a Cloud Audit Log (${AUDIT_LOG_TYPE})`,
    );
  }
  const parsedPayload = parseAuditLog(e.protoPayload);
  if (!parsedPayload.success) {
    throw new Error(
      `malformed AuditLog in LogEntry ${e.insertId}: ${describeIssues(parsedPayload.error)
        .split("; ")
        .map((s) => `protoPayload.${s}`)
        .join("; ")}`,
    );
  }
  const p = parsedPayload.data;
  const labels = e.resource.labels ?? {};
  const code = p.status?.code ?? 0;
  const success = code === 0;

  const target = targetOf(p, e.resource.type, labels);
  const actor = actorOf(p);
  // Read (and checked) once: the binding changes and the audit config deltas both come from it.
  const policyDelta = policyDeltaOf(p);
  const grants: Grant[] = [];
  const revokes: Grant[] = [];
  const known = addBindingChanges(p, policyDelta, grants, revokes);
  const aclGrants = aclGrantsOf(p);
  const allGrants = aclGrants.length ? [...grants, ...aclGrants] : grants;

  const authz = p.authorizationInfo ?? [];
  // First occurrence kept. Short lists (the usual case) in one pass with no temporaries, each
  // list made at its first entry (sized for one: most calls check one permission); long ones
  // through a Set, so a call checked against hundreds of permissions stays linear.
  let permissionsUsed: string[] | undefined;
  let deniedPermissions: string[] | undefined;
  if (authz.length <= SHORT_AUTHZ) {
    for (const a of authz) {
      if (!a.permission) continue;
      if (a.granted === true) permissionsUsed = withOnce(permissionsUsed, a.permission);
      else if (a.granted === false) deniedPermissions = withOnce(deniedPermissions, a.permission);
    }
    permissionsUsed ??= [];
    deniedPermissions ??= [];
  } else {
    permissionsUsed = unique(
      authz.filter((a) => a.granted === true && a.permission).map((a) => a.permission as string),
    );
    deniedPermissions = unique(
      authz.filter((a) => a.granted === false && a.permission).map((a) => a.permission as string),
    );
  }

  // Keys in one fixed order, the rare ones added only when present (no undefined values, and
  // no copy to strip them: most entries share one shape).
  const logType = logTypeOf(e.logName);
  const resourceType = e.resource.type;
  const details: GcpDetails =
    p.resourceName === undefined
      ? {
          logType,
          logName: e.logName,
          resourceType,
          resourceLabels: labels,
          statusCode: code,
          deniedPermissions,
          bindingDeltasKnown: known,
        }
      : {
          logType,
          logName: e.logName,
          resourceType,
          resourceLabels: labels,
          resourceName: p.resourceName,
          statusCode: code,
          deniedPermissions,
          bindingDeltasKnown: known,
        };
  const auditConfigDeltas = policyDelta?.auditConfigDeltas;
  if (auditConfigDeltas)
    details.auditConfigDeltas = auditConfigDeltas.map((d) => ({
      action: d.action,
      service: d.service ?? "",
      logType: d.logType,
      exemptedMember: d.exemptedMember,
    }));
  const policyRequested = policyAt(p.request, "policy");
  if (policyRequested !== undefined) details.policyRequested = policyRequested;
  const policyAfter = success ? policyAfterOf(p) : undefined;
  if (policyAfter !== undefined) details.policyAfter = policyAfter;
  const auth = p.authenticationInfo;
  if (auth?.principalSubject !== undefined) details.principalSubject = auth.principalSubject;
  if (auth?.serviceAccountKeyName !== undefined) details.serviceAccountKeyName = auth.serviceAccountKeyName;
  if (!success && allGrants.length) details.attemptedGrants = allGrants;
  const lifecycle = lifecycleDetails(p, labels);
  // The base fields above come from validated input; only the lifecycle parts read request /
  // response Structs loosely, so only entries that carry them go through the schema again.
  let checkedDetails = details;
  if (hasKeys(lifecycle)) {
    for (const k of Object.keys(lifecycle) as (keyof GcpDetails)[]) {
      if (lifecycle[k] !== undefined) (details as Record<string, unknown>)[k] = lifecycle[k];
    }
    checkedDetails = checkGcpDetails(details);
  }

  const event: IamEvent = {
    id: e.insertId,
    source: "gcp",
    time: isoTime(e.timestamp),
    actor,
    action: p.methodName,
    service: p.serviceName,
    target,
    // A failed call changed nothing: its grants stay in details.attemptedGrants only.
    grants: success ? allGrants : [],
    revokes: success ? revokes : [],
    policyDocuments: checkedDetails.customRole
      ? [
          {
            name: checkedDetails.customRole.name,
            document: { includedPermissions: checkedDetails.customRole.includedPermissions },
          },
        ]
      : [],
    permissionsUsed,
    success,
    errorCode: success ? undefined : (STATUS_NAMES[code] ?? `CODE_${code}`),
    errorMessage: success ? undefined : p.status?.message,
    sourceIp: p.requestMetadata?.callerIp,
    userAgent: p.requestMetadata?.callerSuppliedUserAgent,
    details: checkedDetails,
    raw: entry,
  };
  knownGcpDetails(event, checkedDetails);
  return event;
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** google.rpc.Code names, for errorCode. */
const STATUS_NAMES: Record<number, string> = {
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  10: "ABORTED",
  11: "OUT_OF_RANGE",
  12: "UNIMPLEMENTED",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  15: "DATA_LOSS",
  16: "UNAUTHENTICATED",
};

const SHORT_AUTHZ = 16;

/** The list with x appended unless already there (for short lists a scan beats building a Set). */
function withOnce(xs: string[] | undefined, x: string): string[] {
  if (!xs) return [x];
  if (!xs.includes(x)) xs.push(x);
  return xs;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** Memo of logTypeOf: a stream carries few log names. Bounded, since they come from the entry. */
const LOG_TYPE_MEMO_MAX = 10_000;
const logTypeMemo = new Map<string, GcpDetails["logType"]>();

/** The audit logs' names as Cloud Logging writes them: "…/logs/cloudaudit.googleapis.com%2F<id>". */
const ENCODED_LOG_TYPES: [suffix: string, type: GcpDetails["logType"]][] = [
  ["cloudaudit.googleapis.com%2Factivity", "activity"],
  ["cloudaudit.googleapis.com%2Fdata_access", "data_access"],
  ["cloudaudit.googleapis.com%2Fsystem_event", "system_event"],
  ["cloudaudit.googleapis.com%2Fpolicy", "policy"],
];
/** Where the "%" of "%2F" sits in those suffixes. */
const ENCODED_SLASH_AT = "cloudaudit.googleapis.com".length;

function logTypeOf(logName: string): GcpDetails["logType"] {
  // The usual name: its only "%" is the encoded slash before the log id, so it decodes to a name
  // ending "cloudaudit.googleapis.com/<id>". Read as it is: no decoding, and no hashing of a
  // fresh string per entry for the memo.
  const percent = logName.indexOf("%");
  for (const [suffix, type] of ENCODED_LOG_TYPES) {
    if (percent === logName.length - suffix.length + ENCODED_SLASH_AT && logName.endsWith(suffix))
      return type;
  }
  const hit = logTypeMemo.get(logName);
  if (hit) return hit;
  const type = decodeLogType(logName);
  if (logTypeMemo.size >= LOG_TYPE_MEMO_MAX) logTypeMemo.clear();
  logTypeMemo.set(logName, type);
  return type;
}

function decodeLogType(logName: string): GcpDetails["logType"] {
  const decoded = decodeURIComponent(logName);
  if (decoded.endsWith("cloudaudit.googleapis.com/activity")) return "activity";
  if (decoded.endsWith("cloudaudit.googleapis.com/data_access")) return "data_access";
  if (decoded.endsWith("cloudaudit.googleapis.com/system_event")) return "system_event";
  if (decoded.endsWith("cloudaudit.googleapis.com/policy")) return "policy";
  return "other";
}

// ---------- actor ----------

/** Google-managed service agents act for Google, not for a customer workload. */
function isServiceAgent(email: string): boolean {
  const [local, domain = ""] = email.split("@");
  return (
    domain.startsWith("gcp-sa-") ||
    domain === "cloudservices.gserviceaccount.com" ||
    domain === "system.gserviceaccount.com" ||
    /^service-\d+$/.test(local)
  );
}

export function actorKindOfEmail(email: string): ActorKind {
  if (!email.includes("@")) return "unknown";
  if (email.endsWith("gserviceaccount.com")) return isServiceAgent(email) ? "service" : "serviceAccount";
  return "user";
}

/** Project id of a user-managed service account (name@PROJECT.iam.gserviceaccount.com). */
export function serviceAccountProject(email: string): string | undefined {
  const m = /@([a-z0-9-]+)\.iam\.gserviceaccount\.com$/.exec(email);
  return m && !m[1].startsWith("gcp-sa-") ? m[1] : undefined;
}

function actorOf(p: AuditLog): Actor {
  const auth = p.authenticationInfo ?? {};
  const delegationChain = auth.serviceAccountDelegationInfo
    ? auth.serviceAccountDelegationInfo
        .map((d) => d.firstPartyPrincipal?.principalEmail ?? d.principalSubject)
        .filter((x): x is string => typeof x === "string" && x.length > 0)
    : [];
  const email = auth.principalEmail;
  if (email) {
    const kind = actorKindOfEmail(email);
    return {
      id: email,
      kind,
      display: email,
      account: kind === "serviceAccount" ? serviceAccountProject(email) : undefined,
      delegationChain,
    };
  }
  if (auth.principalSubject) {
    // Third-party (workforce / workload identity federation) callers carry only a subject.
    const federated = /^principal(Set)?:\/\//.test(auth.principalSubject);
    return {
      id: auth.principalSubject,
      kind: federated ? "federated" : "unknown",
      display: auth.principalSubject,
      delegationChain,
    };
  }
  // System events and some redacted callers have no principal: Google acted.
  return { id: p.serviceName, kind: "service", display: p.serviceName, delegationChain };
}

// ---------- target ----------

/**
 * Maps, not object literals: keys are fresh strings from each entry, which an object lookup
 * first finds in V8's (large) table of internalized strings; and "constructor" is no kind.
 */
const RESOURCE_TYPE_KINDS = new Map<string, string>(
  Object.entries({
    organization: "organization",
    folder: "folder",
    project: "project",
    gcs_bucket: "bucket",
    bigquery_dataset: "dataset",
    bigquery_resource: "dataset",
    pubsub_topic: "topic",
    pubsub_subscription: "subscription",
    service_account: "serviceAccount",
    iam_role: "role",
    cloudkms_cryptokey: "cryptoKey",
    cloudkms_keyring: "keyRing",
    logging_sink: "sink",
    logging_exclusion: "exclusion",
    cloud_function: "function",
    cloud_run_revision: "service",
    cloud_run_service: "service",
    secretmanager_secret: "secret",
    audited_resource: "resource",
  }),
);

/** Collection segment of a resource name → target kind, when resource.type says little. */
const COLLECTION_KINDS = new Map<string, string>(
  Object.entries({
    buckets: "bucket",
    objects: "object",
    datasets: "dataset",
    tables: "table",
    topics: "topic",
    subscriptions: "subscription",
    serviceAccounts: "serviceAccount",
    keys: "serviceAccountKey",
    roles: "role",
    cryptoKeys: "cryptoKey",
    keyRings: "keyRing",
    sinks: "sink",
    exclusions: "exclusion",
    functions: "function",
    services: "service",
    secrets: "secret",
  }),
);

function targetOf(p: AuditLog, resourceType: string, labels: Record<string, string>): Target {
  const name = p.resourceName ?? "";
  // Plain string reads in place, not split, regexes or slices: this runs on every GCP event.
  const slash = name.indexOf("/");
  // "organizations/1", "folders/2", "projects/p": one slash with something after it.
  const oneId = slash > 0 && slash < name.length - 1 && name.indexOf("/", slash + 1) < 0;
  let level: TargetLevel = "resource";
  if (oneId && headIs(name, slash, "organizations")) level = "organization";
  else if (oneId && headIs(name, slash, "folders")) level = "folder";
  else if (oneId && headIs(name, slash, "projects") && !isAnyProjectId(name, slash)) level = "project";
  else if (!name) {
    if (resourceType === "organization") level = "organization";
    else if (resourceType === "folder") level = "folder";
    else if (resourceType === "project") level = "project";
  }

  let kind: string;
  if (level !== "resource") kind = level;
  else {
    // Object names may contain slashes: "…/buckets/b/objects/a/b.csv" is an object.
    const lastCollection =
      name.includes("/objects/") && isObjectName(name) ? "objects" : segmentBeforeLastSlash(name);
    kind = COLLECTION_KINDS.get(lastCollection) ?? RESOURCE_TYPE_KINDS.get(resourceType) ?? resourceType;
  }

  const project = labels.project_id ?? projectOfName(name);
  // IAM logs often name a service account by unique id; the email reads better and works as well.
  const saById =
    name.startsWith("projects/-/serviceAccounts/") && /^projects\/-\/serviceAccounts\/(\d+)$/.exec(name);
  const canonical =
    saById && labels.email_id && project ? `projects/${project}/serviceAccounts/${labels.email_id}` : name;
  const id =
    canonical ||
    (level === "organization" && labels.organization_id
      ? `organizations/${labels.organization_id}`
      : level === "folder" && labels.folder_id
        ? `folders/${labels.folder_id}`
        : project
          ? `projects/${project}`
          : resourceType);
  const region = labels.location ?? labels.region;
  // Built without undefined keys directly (same keys, same order as before).
  const target: Target = project === undefined ? { kind, id, level } : { kind, id, project, level };
  if (region && region !== "global") target.region = region;
  return target;
}

/** "a/b/c/d" → "c", "a/b" → "a", "" without a slash: the collection segment of a resource name. */
function segmentBeforeLastSlash(name: string): string {
  const last = slashAtOrBefore(name, name.length - 1);
  return last < 0 ? "" : name.slice(slashAtOrBefore(name, last - 1) + 1, last);
}

/** name.lastIndexOf("/", from) for from >= -1, read by hand: V8 runs lastIndexOf as a C++ call. */
function slashAtOrBefore(name: string, from: number): number {
  for (let i = from; i >= 0; i--) if (name.charCodeAt(i) === 47 /* / */) return i;
  return -1;
}

/** Whether the name's part before its first slash (at `slash`) is `head`. */
function headIs(name: string, slash: number, head: string): boolean {
  return slash === head.length && name.startsWith(head);
}

/** Whether the one id after the slash is "_" or "-" (any project). */
function isAnyProjectId(name: string, slash: number): boolean {
  if (name.length !== slash + 2) return false;
  const c = name.charCodeAt(slash + 1);
  return c === 95 /* _ */ || c === 45 /* - */;
}

/** "projects/P/…" → P, unless P is "_" or "-" (any project). Plain string reads: every GCP event asks. */
function projectOfName(name: string): string | undefined {
  if (!name.startsWith("projects/")) return undefined;
  const end = name.indexOf("/", 9);
  const id = end < 0 ? name.slice(9) : name.slice(9, end);
  return id && id !== "_" && id !== "-" ? id : undefined;
}

/** Whether the name holds "/buckets/B/objects/X" (X one character or more), as `/\/buckets\/[^/]+\/objects\/./` tests. */
function isObjectName(name: string): boolean {
  for (let i = name.indexOf("/buckets/"); i >= 0; i = name.indexOf("/buckets/", i + 1)) {
    const slash = name.indexOf("/", i + 9);
    if (slash > i + 9 && name.startsWith("/objects/", slash) && slash + 9 < name.length) {
      const c = name.charCodeAt(slash + 9);
      // The regex's `.` matches anything but a line terminator.
      if (c !== 10 && c !== 13 && c !== 0x2028 && c !== 0x2029) return true;
    }
  }
  return false;
}

// ---------- bindings ----------

function policyDeltaOf(p: AuditLog): z.infer<typeof PolicyDeltaSchema> | undefined {
  const raw = p.serviceData?.policyDelta;
  if (raw === undefined) return undefined;
  const parsed = parsePolicyDelta(raw);
  if (!parsed.success) throw new Error(`malformed serviceData.policyDelta: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** BigQuery writes its IAM deltas into BigQueryAuditMetadata.datasetChange (and tableChange). */
function bigQueryDeltas(p: AuditLog): z.infer<typeof BindingDeltaSchema>[] | undefined {
  const md = p.metadata;
  if (!md) return undefined;
  const out: z.infer<typeof BindingDeltaSchema>[] = [];
  let found = false;
  for (const key of ["datasetChange", "tableChange"]) {
    const change = md[key];
    if (!change || typeof change !== "object") continue;
    const deltas = (change as Record<string, unknown>).bindingDeltas;
    if (deltas === undefined) continue;
    const parsed = z.array(BindingDeltaSchema).safeParse(deltas);
    if (!parsed.success)
      throw new Error(`malformed metadata.${key}.bindingDeltas: ${describeIssues(parsed.error)}`);
    out.push(...parsed.data);
    found = true;
  }
  return found ? out : undefined;
}

/** Adds the entry's binding deltas to grants and revokes; whether it carried any (known). */
function addBindingChanges(
  p: AuditLog,
  policyDelta: z.infer<typeof PolicyDeltaSchema> | undefined,
  grants: Grant[],
  revokes: Grant[],
): boolean {
  const fromPolicy = policyDelta?.bindingDeltas;
  const fromBq = bigQueryDeltas(p);
  if (fromPolicy) addDeltas(fromPolicy, grants, revokes);
  if (fromBq) addDeltas(fromBq, grants, revokes);
  return fromPolicy !== undefined || fromBq !== undefined;
}

/** ADDs to grants, REMOVEs to revokes, in order (no closure or intermediate arrays per entry). */
function addDeltas(deltas: z.infer<typeof BindingDeltaSchema>[], grants: Grant[], revokes: Grant[]): void {
  for (const d of deltas) {
    const into = d.action === "ADD" ? grants : d.action === "REMOVE" ? revokes : undefined;
    if (!into) continue;
    const condition = d.condition?.expression;
    into.push(
      condition === undefined
        ? { role: d.role, member: d.member }
        : { role: d.role, member: d.member, condition },
    );
  }
}

/** Storage ACL entity (allUsers, user-a@b.com, group-…, domain-…, project-owners-123) → IAM-style member. */
export function aclEntityToMember(entity: string): string {
  if (entity === "allUsers" || entity === "allAuthenticatedUsers") return entity;
  const m = /^(user|group|domain|project)-(.+)$/.exec(entity);
  if (!m) return entity;
  if (m[1] === "project") return `projectAcl:${m[2]}`;
  return `${m[1]}:${m[2]}`;
}

const AclEntrySchema = z.looseObject({ entity: z.string(), role: z.string() });

/** Read only by its length: nothing to allocate for the entries that carry no ACL. */
const NO_ACL_GRANTS: readonly Grant[] = Object.freeze([]);

/** Legacy Cloud Storage ACLs carried in the request (object/bucket insert, patch, ACL insert). */
function aclGrantsOf(p: AuditLog): readonly Grant[] {
  if (p.serviceName !== "storage.googleapis.com" || !p.request) return NO_ACL_GRANTS;
  const req = p.request;
  const entries: unknown[] = [];
  for (const key of ["acl", "defaultObjectAcl"]) {
    const v = req[key];
    if (Array.isArray(v)) entries.push(...v);
  }
  // objectAccessControls.insert / bucketAccessControls.insert carry one entry as the body.
  if (typeof req.entity === "string" && typeof req.role === "string") entries.push(req);
  const grants: Grant[] = [];
  for (const raw of entries) {
    const parsed = AclEntrySchema.safeParse(raw);
    if (!parsed.success)
      throw new Error(`malformed storage ACL entry in request: ${describeIssues(parsed.error)}`);
    grants.push({ role: `acl:${parsed.data.role}`, member: aclEntityToMember(parsed.data.entity) });
  }
  return grants;
}

function policyAt(struct: Record<string, unknown> | undefined, key: string): GcpPolicy | undefined {
  const v = struct?.[key];
  if (v === undefined) return undefined;
  const parsed = GcpPolicySchema.safeParse(v);
  if (!parsed.success) throw new Error(`malformed IAM policy (${key}): ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** SetIamPolicy responses are the Policy itself (google.iam.v1.Policy); some services nest it. */
function policyAfterOf(p: AuditLog): GcpPolicy | undefined {
  const res = p.response;
  if (res && (res["@type"] === "type.googleapis.com/google.iam.v1.Policy" || Array.isArray(res.bindings))) {
    const parsed = GcpPolicySchema.safeParse(res);
    if (!parsed.success) throw new Error(`malformed IAM policy (response): ${describeIssues(parsed.error)}`);
    return parsed.data;
  }
  return policyAt(res, "policy") ?? policyAt(p.request, "policy");
}

// ---------- IAM admin, credentials, logging config ----------

/** Reads a field that IAM admin logs write in snake_case and other services in camelCase. */
function field(o: unknown, camel: string): unknown {
  if (!o || typeof o !== "object") return undefined;
  const r = o as Record<string, unknown>;
  if (r[camel] !== undefined) return r[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return r[snake];
}
function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
/** A string, the empty one included (an emptied sink filter is evidence). */
function anyStr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function boolOnly(v: unknown): boolean | undefined {
  return typeof v === "boolean" ? v : undefined;
}
function strOrNum(v: unknown): string | undefined {
  return typeof v === "string" || typeof v === "number" ? String(v) : undefined;
}

function methodIs(method: string, ...names: string[]): boolean {
  return names.some((n) => method === n || method.endsWith(`.${n}`));
}

const SA_LIFECYCLE_METHOD = /(Create|Delete|Disable|Enable|Undelete)ServiceAccount$/;
const IMPERSONATION_METHOD = /(GenerateAccessToken|GenerateIdToken|SignBlob|SignJwt)$/;
const SINK_METHOD = /(Create|Update|Delete)Sink$/;
const EXCLUSION_METHOD = /(Create|Update|Delete)Exclusion$/;

/**
 * The calls whose request and response lifecycleDetails reads into each typed detail, by service
 * and method: a detector reading one of these details fires on these calls only (Detector.calls).
 */
export const GCP_DETAIL_CALLS = {
  serviceAccountKey: (service: string, method: string) =>
    service === "iam.googleapis.com" &&
    methodIs(
      method,
      "CreateServiceAccountKey",
      "UploadServiceAccountKey",
      "DisableServiceAccountKey",
      "EnableServiceAccountKey",
      "DeleteServiceAccountKey",
    ),
  serviceAccountLifecycle: (service: string, method: string) =>
    service === "iam.googleapis.com" && SA_LIFECYCLE_METHOD.test(method),
  customRole: (service: string, method: string) =>
    service === "iam.googleapis.com" && methodIs(method, "CreateRole", "UpdateRole", "UndeleteRole"),
  impersonation: (service: string, method: string) =>
    service === "iamcredentials.googleapis.com" && IMPERSONATION_METHOD.test(method),
  sinkChange: (service: string, method: string) =>
    service === "logging.googleapis.com" && SINK_METHOD.test(method),
  exclusionChange: (service: string, method: string) =>
    service === "logging.googleapis.com" && EXCLUSION_METHOD.test(method),
} satisfies Partial<Record<keyof GcpDetails, (service: string, method: string) => boolean>>;

/** Email of the service account named by "projects/P/serviceAccounts/EMAIL[/keys/K]". */
function saEmailFrom(name: string | undefined): string | undefined {
  const m = /serviceAccounts\/([^/]+@[^/]+)/.exec(name ?? "");
  return m?.[1];
}

/** The services whose calls lifecycleDetails reads (GCP_DETAIL_CALLS); the rest have nothing to read. */
const IAM_SERVICE = "iam.googleapis.com";
const IAM_CREDENTIALS_SERVICE = "iamcredentials.googleapis.com";
const LOGGING_SERVICE = "logging.googleapis.com";
const NO_LIFECYCLE: Partial<GcpDetails> = Object.freeze({});

function lifecycleDetails(p: AuditLog, labels: Record<string, string>): Partial<GcpDetails> {
  const service = p.serviceName;
  // Compared, not looked up: a Set would hash this fresh string on every entry.
  if (service !== IAM_SERVICE && service !== IAM_CREDENTIALS_SERVICE && service !== LOGGING_SERVICE)
    return NO_LIFECYCLE;
  const out: Partial<GcpDetails> = {};
  const req = p.request;
  const res = p.response;
  const method = p.methodName;
  if (GCP_DETAIL_CALLS.serviceAccountKey(service, method)) {
    const op = p.methodName.replace(/^.*\./, "").replace("ServiceAccountKey", "").toLowerCase();
    const keyName =
      str(field(res, "name")) ?? (op === "create" || op === "upload" ? undefined : str(field(req, "name")));
    out.serviceAccountKey = withoutUndefined({
      operation: op as "create" | "upload" | "disable" | "enable" | "delete",
      serviceAccount:
        labels.email_id ??
        saEmailFrom(str(field(req, "name"))) ??
        saEmailFrom(keyName) ??
        p.resourceName ??
        "",
      keyName,
      keyType: strOrNum(field(res, "keyType")),
      keyOrigin: strOrNum(field(res, "keyOrigin")),
    });
  }
  if (GCP_DETAIL_CALLS.serviceAccountLifecycle(service, method)) {
    const saOp = SA_LIFECYCLE_METHOD.exec(method)?.[1] as string;
    const name =
      str(field(res, "email")) ??
      labels.email_id ??
      saEmailFrom(str(field(req, "name"))) ??
      saEmailFrom(p.resourceName);
    const accountId = str(field(req, "accountId"));
    const project = /^projects\/([^/]+)/.exec(str(field(req, "name")) ?? "")?.[1];
    out.serviceAccountLifecycle = withoutUndefined({
      operation: saOp.toLowerCase() as "create" | "delete" | "disable" | "enable" | "undelete",
      email: name ?? (accountId && project ? `${accountId}@${project}.iam.gserviceaccount.com` : undefined),
      uniqueId: labels.unique_id ?? str(field(res, "uniqueId")),
    });
  }
  if (GCP_DETAIL_CALLS.customRole(service, method)) {
    const role =
      (field(res, "includedPermissions") !== undefined ? res : undefined) ?? field(req, "role") ?? res;
    const perms = field(role, "includedPermissions");
    out.customRole = withoutUndefined({
      name: str(field(res, "name")) ?? str(field(req, "name")) ?? p.resourceName ?? "",
      title: str(field(role, "title")),
      stage: strOrNum(field(role, "stage")),
      includedPermissions: Array.isArray(perms)
        ? perms.filter((x): x is string => typeof x === "string")
        : [],
    });
  }

  if (GCP_DETAIL_CALLS.impersonation(service, method)) {
    const op = IMPERSONATION_METHOD.exec(method)?.[1] as string;
    const delegates = field(req, "delegates");
    out.impersonation = withoutUndefined({
      operation: op,
      serviceAccount: labels.email_id ?? saEmailFrom(str(field(req, "name"))) ?? p.resourceName ?? "",
      delegates: Array.isArray(delegates)
        ? delegates.filter((x): x is string => typeof x === "string")
        : undefined,
      scopes: Array.isArray(field(req, "scope")) ? (field(req, "scope") as string[]) : undefined,
      lifetime: strOrNum(field(req, "lifetime")),
    });
  }

  if (GCP_DETAIL_CALLS.sinkChange(service, method)) {
    const sinkOp = SINK_METHOD.exec(method)?.[1] as string;
    const sink = field(req, "sink");
    const original = p.resourceOriginalState;
    const exclusions = (s: unknown) => {
      const x = field(s, "exclusions");
      return Array.isArray(x)
        ? x.map((e) => ({
            name: str(field(e, "name")) ?? "",
            filter: str(field(e, "filter")),
            disabled: field(e, "disabled") === true,
          }))
        : undefined;
    };
    const mask = field(req, "updateMask");
    out.sinkChange = withoutUndefined({
      operation: sinkOp.toLowerCase() as "create" | "update" | "delete",
      sinkName: str(field(req, "sinkName")) ?? str(field(req, "name")) ?? p.resourceName ?? "",
      destination: str(field(sink, "destination")),
      filter: anyStr(field(sink, "filter")),
      disabled: boolOnly(field(sink, "disabled")),
      exclusions: exclusions(sink),
      updateMask:
        typeof mask === "string"
          ? mask.split(",")
          : Array.isArray(field(mask, "paths"))
            ? (field(mask, "paths") as string[])
            : undefined,
      before: original
        ? withoutUndefined({
            destination: str(field(original, "destination")),
            filter: anyStr(field(original, "filter")),
            disabled: field(original, "disabled") === true,
            exclusions: exclusions(original),
          })
        : undefined,
    });
  }
  if (GCP_DETAIL_CALLS.exclusionChange(service, method)) {
    const exOp = EXCLUSION_METHOD.exec(method)?.[1] as string;
    const ex = field(req, "exclusion");
    out.exclusionChange = withoutUndefined({
      operation: exOp.toLowerCase() as "create" | "update" | "delete",
      name: str(field(ex, "name")) ?? str(field(req, "name")) ?? p.resourceName ?? "",
      filter: str(field(ex, "filter")),
      disabled: boolOnly(field(ex, "disabled")),
    });
  }
  return out;
}
