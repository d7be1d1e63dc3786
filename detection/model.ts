import { z } from "zod";

/**
 * The core types of IAM Immune (../shared/DESIGN.md, "Core types"). Every other module
 * imports them from here; zod schemas are the source of truth and the TS types are inferred.
 */

export const SourceSchema = z.enum(["gcp", "aws", "sailpoint", "csv"]);
export type Source = z.infer<typeof SourceSchema>;

/** `service` covers AWSService callers and Google-managed service agents acting for themselves. */
export const ActorKindSchema = z.enum([
  "user",
  "serviceAccount",
  "role",
  "root",
  "federated",
  "service",
  "unknown",
]);
export type ActorKind = z.infer<typeof ActorKindSchema>;

export const ActorSchema = z.object({
  /** Stable principal id: GCP principal email, AWS ARN (assumed roles: the role ARN, not the session). */
  id: z.string(),
  kind: ActorKindSchema,
  display: z.string(),
  /** AWS account id or GCP project/org the principal lives in, when known. */
  account: z.string().optional(),
  /** Whether the session was MFA-authenticated (AWS sessionContext.attributes.mfaAuthenticated). */
  mfa: z.boolean().optional(),
  /** GCP serviceAccountDelegationInfo / AWS session issuer chain: who acted through whom. */
  delegationChain: z.array(z.string()).default([]),
  /** AWS assumed-role session name, federated user name. */
  sessionName: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const TargetLevelSchema = z.enum(["organization", "folder", "project", "account", "resource"]);
export type TargetLevel = z.infer<typeof TargetLevelSchema>;

export const TargetSchema = z.object({
  /** e.g. project, folder, organization, bucket, object, dataset, topic, serviceAccount, user, role, group, policy, trail, key */
  kind: z.string(),
  /** Full resource name or ARN. */
  id: z.string(),
  /** GCP project id (or number) / AWS account id that owns the target. */
  project: z.string().optional(),
  level: TargetLevelSchema.default("resource"),
  region: z.string().optional(),
});
export type Target = z.infer<typeof TargetSchema>;

export const GrantSchema = z.object({
  /** GCP role (roles/owner, projects/p/roles/custom) or AWS policy ARN / inline policy name / permission. */
  role: z.string(),
  /** GCP member (user:a@b, serviceAccount:…, allUsers) or AWS principal (user/role/group ARN or name, "*"). */
  member: z.string(),
  /** IAM condition expression when the binding is conditional. */
  condition: z.string().optional(),
});
export type Grant = z.infer<typeof GrantSchema>;

/** An AWS policy document (or GCP custom role permission list) carried by the event. */
export const PolicyDocumentSchema = z.object({
  name: z.string(),
  /** Parsed JSON document; AWS shape {Version, Statement[]}. */
  document: z.unknown(),
});
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

export const IamEventSchema = z.object({
  /** The source's own event id (CloudTrail eventID, LogEntry insertId): the dedupe key. */
  id: z.string(),
  source: SourceSchema,
  /** ISO-8601 time the change happened at the source. */
  time: z.string(),
  actor: ActorSchema,
  /** CloudTrail eventName / AuditLog methodName. */
  action: z.string(),
  /** CloudTrail eventSource (iam.amazonaws.com) / AuditLog serviceName (storage.googleapis.com). */
  service: z.string(),
  target: TargetSchema,
  grants: z.array(GrantSchema).default([]),
  revokes: z.array(GrantSchema).default([]),
  policyDocuments: z.array(PolicyDocumentSchema).default([]),
  /** Permissions the call exercised (GCP authorizationInfo granted; AWS service:Action). */
  permissionsUsed: z.array(z.string()).default([]),
  success: z.boolean(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  sourceIp: z.string().optional(),
  userAgent: z.string().optional(),
  /** Source-specific facts the detectors read (typed where it matters by the normalizers). */
  details: z.record(z.string(), z.unknown()).default({}),
  raw: z.unknown(),
});
export type IamEvent = z.infer<typeof IamEventSchema>;

export const CategorySchema = z.enum([
  "public_exposure",
  "admin_grant",
  "policy_change",
  "credential_creation",
  "sa_impersonation",
  "cross_account",
  "root_activity",
  "logging_tampering",
  "mfa_weakening",
  "user_lifecycle",
  "recon",
  "anomaly",
  "lifecycle_violation",
  "other_iam",
]);
export type Category = z.infer<typeof CategorySchema>;

export const SeveritySchema = z.enum(["info", "low", "medium", "high", "critical"]);
export type Severity = z.infer<typeof SeveritySchema>;
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export const FindingSchema = z.object({
  /** Deterministic: hash of (event id, detector id, discriminator), so redelivery never duplicates. */
  id: z.string(),
  detector: z.string(),
  category: CategorySchema,
  severity: SeveritySchema,
  /** One line a responder reads on a phone. */
  summary: z.string(),
  evidence: z.record(z.string(), z.unknown()).default({}),
  eventId: z.string(),
  time: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const RiskFactorSchema = z.object({
  name: z.string(),
  points: z.number(),
  why: z.string(),
});
export type RiskFactor = z.infer<typeof RiskFactorSchema>;

export const IncidentStateSchema = z.enum([
  "open",
  "remediating",
  "remediated",
  "failed",
  "dismissed",
  "snoozed",
  "reverted",
]);
export type IncidentState = z.infer<typeof IncidentStateSchema>;

/** Allowed transitions of the incident state machine (DESIGN.md). */
export const INCIDENT_TRANSITIONS: Record<IncidentState, IncidentState[]> = {
  open: ["remediating", "dismissed", "snoozed"],
  snoozed: ["open", "remediating", "dismissed"],
  remediating: ["remediated", "failed"],
  failed: ["remediating", "dismissed"],
  // open: the threat recurred after the remediation (detection/incidents.ts), or a finding the
  // plan did not cover arrived late (remediation/remediationFeature.ts extends the plan).
  remediated: ["reverted", "open"],
  reverted: ["remediating"],
  dismissed: ["open"],
};

export const TimelineEntrySchema = z.object({
  at: z.string(),
  /** Who: "system", "auto", a chat user ("slack:U123", "teams:<aad id>"), "cli". */
  by: z.string(),
  what: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const RemediationActionKindSchema = z.enum([
  "gcp.removeBinding",
  "gcp.removePublicMembers",
  "gcp.disableServiceAccountKey",
  "gcp.disableServiceAccount",
  "gcp.removeMemberEverywhere",
  "gcp.replaceRoles",
  "gcp.restoreAuditConfig",
  "aws.detachPolicy",
  "aws.deleteInlinePolicy",
  "aws.deactivateAccessKey",
  "aws.deleteAccessKey",
  "aws.removeUserFromGroup",
  "aws.deleteLoginProfile",
  "aws.quarantine",
  "aws.restoreAssumeRolePolicy",
  "aws.blockPublicAccess",
  "aws.restoreBucketPolicy",
  "aws.putLeastPrivilegePolicy",
  "aws.createUser",
  "aws.addUserToGroup",
  "aws.deleteUser",
  "notify",
]);
export type RemediationActionKind = z.infer<typeof RemediationActionKindSchema>;

export const RemediationActionSchema = z.object({
  kind: RemediationActionKindSchema,
  /** The resource acted on (project, bucket, user ARN, key id...). */
  target: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** What the action changed, recorded at execution time, so Undo restores exactly that. */
  beforeState: z.unknown().optional(),
  /** Same key → same execution, however many replicas or clicks ask. */
  idempotencyKey: z.string(),
  /** Human sentence naming exactly what will change (confirm dialogs quote it). */
  description: z.string(),
});
export type RemediationAction = z.infer<typeof RemediationActionSchema>;

export const StepResultSchema = z.object({
  idempotencyKey: z.string(),
  status: z.enum(["pending", "done", "noop", "failed", "skipped", "undone"]),
  message: z.string().optional(),
  beforeState: z.unknown().optional(),
  at: z.string().optional(),
});
export type StepResult = z.infer<typeof StepResultSchema>;

export const RemediationPlanSchema = z.object({
  playbook: z.string(),
  actions: z.array(RemediationActionSchema),
  /** Whether policy lets it run by itself (risk ≥ threshold, auto mode on, not never-touch). */
  auto: z.boolean(),
  dryRun: z.boolean(),
  /** Why auto is off or the plan is blocked, in words for the card. */
  notes: z.array(z.string()).default([]),
  /** Two-person rule: approvals needed before it runs. */
  approvalsRequired: z.number().int().min(1).default(1),
  approvals: z.array(z.object({ by: z.string(), at: z.string() })).default([]),
  steps: z.array(StepResultSchema).default([]),
});
export type RemediationPlan = z.infer<typeof RemediationPlanSchema>;

export const ChatRefsSchema = z.object({
  slack: z.object({ channel: z.string(), ts: z.string() }).optional(),
  teams: z
    .array(
      z.object({ conversationId: z.string(), activityId: z.string(), serviceUrl: z.string().optional() }),
    )
    .optional(),
  console: z.boolean().optional(),
});
export type ChatRefs = z.infer<typeof ChatRefsSchema>;

export const IncidentSchema = z.object({
  id: z.string(),
  /** actor|target: findings about the same pair within the window join one incident. */
  groupKey: z.string(),
  title: z.string(),
  actor: ActorSchema,
  target: TargetSchema,
  source: SourceSchema,
  category: CategorySchema,
  severity: SeveritySchema,
  findings: z.array(FindingSchema),
  eventIds: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  risk: z.number().min(0).max(100),
  factors: z.array(RiskFactorSchema),
  /** Highest anomaly score (0..1) among the incident's events, and its reasons in words. */
  anomalyScore: z.number().min(0).max(1).default(0),
  anomalyReasons: z.array(z.string()).default([]),
  /** "Lower" suppressions that matched, kept so the score can be recomputed with them. */
  loweredBy: z.array(z.object({ points: z.number(), why: z.string() })).default([]),
  state: IncidentStateSchema,
  stateChangedAt: z.string(),
  assignee: z.string().optional(),
  snoozedUntil: z.string().optional(),
  dismissReason: z.string().optional(),
  plan: RemediationPlanSchema.optional(),
  timeline: z.array(TimelineEntrySchema),
  chat: ChatRefsSchema.default({}),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Incident = z.infer<typeof IncidentSchema>;

export const LifecycleStateSchema = z.enum(["joiner", "active", "mover", "leaver", "unknown"]);
export type LifecycleState = z.infer<typeof LifecycleStateSchema>;

export const IdentitySchema = z.object({
  /** Canonical id: email for people, principal email / ARN for machines. */
  id: z.string(),
  kind: ActorKindSchema,
  display: z.string(),
  email: z.string().optional(),
  /** Other principal ids that belong to this identity (GCP member, AWS user ARNs, aliases). */
  aliases: z.array(z.string()).default([]),
  lifecycle: LifecycleStateSchema.default("unknown"),
  lifecycleChangedAt: z.string().optional(),
  /** Joiner onboarding window end: baselines learn, anomaly weight lowered. */
  onboardingUntil: z.string().optional(),
  owner: z.string().optional(),
  manager: z.string().optional(),
  department: z.string().optional(),
  title: z.string().optional(),
  lastCertifiedAt: z.string().optional(),
  /** Identity known to the IGA (SailPoint / CSV). Unknown identities raise risk. */
  knownToIga: z.boolean().default(false),
  sailpointId: z.string().optional(),
  riskHistory: z.array(z.object({ day: z.string(), risk: z.number() })).default([]),
  updatedAt: z.string(),
});
export type Identity = z.infer<typeof IdentitySchema>;

export const SuppressionSchema = z.object({
  id: z.string(),
  /** Any omitted field matches everything; at least one is set. Patterns accept * wildcards. */
  principal: z.string().optional(),
  project: z.string().optional(),
  detector: z.string().optional(),
  /** silence: drop the finding; lower: keep it, subtract points. */
  effect: z.enum(["silence", "lower"]).default("silence"),
  points: z.number().default(30),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  /** Who did it: chat user, "auto", "system", "cli". */
  actor: z.string(),
  action: z.string(),
  incidentId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export function isPublicMember(member: string): boolean {
  return member === "allUsers" || member === "allAuthenticatedUsers";
}
