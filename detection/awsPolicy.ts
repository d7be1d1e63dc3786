import { z } from "zod";
import { fastParser } from "./normalize/fastParse";
import type { AwsStatement } from "./referenceData";

/**
 * AWS policy documents (identity, trust and resource policies): parsing the forms CloudTrail
 * carries them in, and the few evaluations the detectors need (does it allow `*`, `iam:*`,
 * a privilege-escalation action on every resource; which principals does it let in; is a
 * public statement restricted by a condition). Pure and conservative: it answers "could this
 * grant it", not a full IAM evaluation (no permission boundaries, SCPs or session policies).
 */

const StringOrList = z.union([z.string(), z.array(z.string())]);

export const AwsStatementSchema = z.looseObject({
  Sid: z.string().optional(),
  Effect: z.enum(["Allow", "Deny"]),
  Action: StringOrList.optional(),
  NotAction: StringOrList.optional(),
  Resource: StringOrList.optional(),
  NotResource: StringOrList.optional(),
  Principal: z.unknown().optional(),
  NotPrincipal: z.unknown().optional(),
  Condition: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

export const AwsPolicyDocumentSchema = z.looseObject({
  Version: z.string().optional(),
  Id: z.string().optional(),
  Statement: z.union([AwsStatementSchema, z.array(AwsStatementSchema)]),
});

export interface AwsPolicy {
  Version?: string;
  Statement: AwsStatement[];
}

/**
 * A policy document as CloudTrail records it: an object (S3 bucketPolicy), a JSON string
 * (KMS policy, IAM policyDocument) or a URL-encoded JSON string (what the IAM API receives).
 * Throws an Error naming the problem when it is none of these.
 */
export function parsePolicyDocument(value: unknown): AwsPolicy {
  if (typeof value === "object" && value !== null && validated.has(value)) return value as AwsPolicy;
  let v = value;
  if (typeof v === "string") {
    const text = v.trim();
    let json = text;
    if (!text.startsWith("{")) {
      try {
        json = decodeURIComponent(text.replace(/\+/g, " "));
      } catch {
        throw new Error("policy document is neither JSON nor URL-encoded JSON");
      }
    }
    try {
      v = JSON.parse(json);
    } catch {
      throw new Error("policy document is not valid JSON");
    }
  }
  const parsed = parseAwsPolicyDocument(v);
  if (!parsed.success) {
    throw new Error(
      `policy document has no valid Statement: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  const st = parsed.data.Statement;
  const out: AwsPolicy = {
    Version: parsed.data.Version,
    Statement: (Array.isArray(st) ? st : [st]) as AwsStatement[],
  };
  validated.add(out);
  return out;
}

/** The schema's safeParse behind a compiled check: a valid document is taken as it is, not copied. */
const parseAwsPolicyDocument = fastParser(AwsPolicyDocumentSchema);

/** Documents this module produced: parsing one again (a detector reading the event) is free. */
const validated = new WeakSet<object>();

/** parsePolicyDocument that answers undefined instead of throwing (for detectors reading details). */
export function tryParsePolicyDocument(value: unknown): AwsPolicy | undefined {
  try {
    return parsePolicyDocument(value);
  } catch {
    return undefined;
  }
}

export function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Compiled IAM wildcard patterns. Policies repeat the same patterns (managed policies list
 * thousands of `svc:Get*`), so compiling each once keeps policy checks at microseconds.
 * Bounded, because policy documents in events are attacker-controlled text.
 */
const PATTERN_CACHE_MAX = 20_000;
const patternCache = new Map<string, (value: string) => boolean>();

function compilePattern(pattern: string): (value: string) => boolean {
  const lower = pattern.toLowerCase();
  if (lower === "*") return () => true;
  if (!/[*?]/.test(lower)) return (v) => v.length === lower.length && v.toLowerCase() === lower;
  const star = lower.indexOf("*");
  // "svc:Get*": the common managed-policy form, a plain prefix test.
  if (star === lower.length - 1 && !lower.includes("?")) {
    const prefix = lower.slice(0, -1);
    return (v) => v.length >= prefix.length && v.slice(0, prefix.length).toLowerCase() === prefix;
  }
  const re = new RegExp(
    `^${pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
    "i",
  );
  return (v) => re.test(v);
}

/** IAM wildcard match (`*` any run, `?` one character), case-insensitive as IAM compares actions. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let m = patternCache.get(pattern);
  if (!m) {
    if (patternCache.size >= PATTERN_CACHE_MAX) patternCache.clear();
    m = compilePattern(pattern);
    patternCache.set(pattern, m);
  }
  return m(value);
}

/** Whether a statement's Action / NotAction covers the action. */
export function statementCoversAction(s: AwsStatement, action: string): boolean {
  if (s.Action !== undefined) return asList(s.Action).some((p) => wildcardMatch(p, action));
  if (s.NotAction !== undefined) return !asList(s.NotAction).some((p) => wildcardMatch(p, action));
  return false;
}

/** Whether a statement applies to every resource (Resource "*" or a NotResource form). */
export function statementOnAllResources(s: AwsStatement): boolean {
  if (s.NotResource !== undefined) return true;
  return asList(s.Resource).some((r) => r === "*" || r === "arn:aws:*:*:*:*" || r === "arn:*");
}

/** Actions that let a principal raise its own privileges or reach others' (Rhino Security's list, trimmed). */
export const PRIVILEGE_ESCALATION_ACTIONS = [
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AttachUserPolicy",
  "iam:AttachRolePolicy",
  "iam:AttachGroupPolicy",
  "iam:PutUserPolicy",
  "iam:PutRolePolicy",
  "iam:PutGroupPolicy",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:UpdateAssumeRolePolicy",
  "iam:AddUserToGroup",
  "iam:PassRole",
  "sts:AssumeRole",
] as const;

/** Services that run code under a passed role: PassRole plus one of these is the classic escalation. */
const PASSROLE_COMPUTE_ACTIONS = [
  "lambda:CreateFunction",
  "lambda:UpdateFunctionConfiguration",
  "ec2:RunInstances",
  "glue:CreateDevEndpoint",
  "cloudformation:CreateStack",
  "datapipeline:CreatePipeline",
  "ecs:RunTask",
];

export type BroadGrantKind = "all-actions" | "iam-all" | "not-action" | "privilege-escalation";

export interface BroadGrant {
  kind: BroadGrantKind;
  /** The actions (or the NotAction exclusions) that make it broad. */
  actions: string[];
  /** True when the granting statement carries a Condition (still broad, but narrower). */
  conditional: boolean;
  sid?: string;
}

function deniedEverywhere(policy: AwsPolicy, action: string): boolean {
  return policy.Statement.some(
    (s) =>
      s.Effect === "Deny" && !s.Condition && statementOnAllResources(s) && statementCoversAction(s, action),
  );
}

/**
 * What an identity policy grants that amounts to admin on Resource "*": every action, every
 * IAM action, everything but a NotAction list, or privilege-escalation actions. Unconditional
 * Deny statements on "*" cancel what they cover.
 */
export function broadGrants(policy: AwsPolicy): BroadGrant[] {
  const out: BroadGrant[] = [];
  for (const s of policy.Statement) {
    if (s.Effect !== "Allow" || !statementOnAllResources(s)) continue;
    const conditional = s.Condition !== undefined && Object.keys(s.Condition).length > 0;
    const base = { conditional, sid: s.Sid };
    if (s.Action !== undefined) {
      const actions = asList(s.Action);
      if (actions.some((a) => a === "*" || a === "*:*") && !deniedEverywhere(policy, "*")) {
        out.push({ kind: "all-actions", actions: ["*"], ...base });
        continue;
      }
      if (actions.some((a) => a.toLowerCase() === "iam:*") && !deniedEverywhere(policy, "iam:*")) {
        out.push({ kind: "iam-all", actions: ["iam:*"], ...base });
        continue;
      }
    } else if (s.NotAction !== undefined) {
      out.push({ kind: "not-action", actions: asList(s.NotAction), ...base });
      continue;
    }
    // Escalation actions are all iam:/sts:, so only patterns whose service part can match
    // those matter: ReadOnlyAccess lists thousands of `svc:Get*` that need not be tried 15 times.
    const escStatement =
      s.Action !== undefined ? { ...s, Action: asList(s.Action).filter(mayMatchIamOrSts) } : s;
    const esc = PRIVILEGE_ESCALATION_ACTIONS.filter(
      (a) => statementCoversAction(escStatement, a) && !deniedEverywhere(policy, a),
    );
    // PassRole alone is only escalation together with a service that runs code as the role.
    const passRoleOnly = esc.length === 1 && esc[0] === "iam:PassRole";
    const compute = passRoleOnly
      ? PASSROLE_COMPUTE_ACTIONS.filter((a) => allowsOnAllResources(policy, a))
      : [];
    if (esc.length > 0 && (!passRoleOnly || compute.length > 0)) {
      out.push({ kind: "privilege-escalation", actions: passRoleOnly ? [...esc, ...compute] : esc, ...base });
    }
  }
  return out;
}

/** Whether an action pattern could cover an iam: or sts: action (its service part matches). */
function mayMatchIamOrSts(pattern: string): boolean {
  const colon = pattern.indexOf(":");
  if (colon < 0) return pattern.includes("*");
  const svc = pattern.slice(0, colon);
  return wildcardMatch(svc, "iam") || wildcardMatch(svc, "sts");
}

/** Whether some Allow statement on "*" covers the action (and no unconditional Deny removes it). */
export function allowsOnAllResources(policy: AwsPolicy, action: string): boolean {
  return (
    policy.Statement.some(
      (s) => s.Effect === "Allow" && statementOnAllResources(s) && statementCoversAction(s, action),
    ) && !deniedEverywhere(policy, action)
  );
}

/** Admin-grade: `*`, `iam:*` or everything-but (NotAction) on every resource. */
export function isAdminGrade(policy: AwsPolicy): BroadGrant[] {
  return broadGrants(policy).filter((g) => g.kind !== "privilege-escalation");
}

/** Principals a resource / trust policy statement names, flattened: "*" for everyone. */
export function statementPrincipals(s: AwsStatement): { type: string; value: string }[] {
  const p = s.Principal;
  if (p === undefined) return [];
  if (p === "*") return [{ type: "AWS", value: "*" }];
  if (typeof p !== "object" || p === null) return [];
  const out: { type: string; value: string }[] = [];
  for (const [type, v] of Object.entries(p as Record<string, unknown>)) {
    const vals = Array.isArray(v) ? v : [v];
    for (const x of vals) if (typeof x === "string") out.push({ type, value: x });
  }
  return out;
}

/** The AWS account a principal string belongs to ("*" for everyone, undefined for services). */
export function principalAccount(value: string): string | undefined {
  if (value === "*") return "*";
  if (/^\d{12}$/.test(value)) return value;
  const m = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):/.exec(value);
  return m?.[1];
}

/**
 * Condition keys that pin a statement to a network, an organization or an account, so a
 * "*" principal is not everyone on the internet.
 */
const RESTRICTING_CONDITION_KEYS = new Set(
  [
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceIp",
    "aws:VpcSourceIp",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:ResourceOrgID",
    "aws:userid",
    "aws:username",
    "kms:CallerAccount",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
  ].map((k) => k.toLowerCase()),
);

/** Condition values that restrict nothing (any address, any value). */
function unrestrictedValue(v: unknown): boolean {
  const vals = Array.isArray(v) ? v : [v];
  return vals.some((x) => x === "*" || x === "0.0.0.0/0" || x === "::/0");
}

/** Whether a statement's Condition restricts who or where (see RESTRICTING_CONDITION_KEYS). */
export function hasRestrictingCondition(s: AwsStatement): boolean {
  const cond = s.Condition as Record<string, Record<string, unknown>> | undefined;
  if (!cond) return false;
  for (const block of Object.values(cond)) {
    if (typeof block !== "object" || block === null) continue;
    for (const [key, value] of Object.entries(block)) {
      if (RESTRICTING_CONDITION_KEYS.has(key.toLowerCase()) && !unrestrictedValue(value)) return true;
    }
  }
  return false;
}

/** Allow statements open to everyone ("*" or {"AWS":"*"}) with no restricting condition. */
export function publicStatements(policy: AwsPolicy): AwsStatement[] {
  return policy.Statement.filter(
    (s) =>
      s.Effect === "Allow" &&
      statementPrincipals(s).some((p) => p.type === "AWS" && p.value === "*") &&
      !hasRestrictingCondition(s),
  );
}

/** Accounts outside `internal` (and not `own`) that Allow statements let in, with the principals. */
export function externalPrincipals(
  policy: AwsPolicy,
  own: string | undefined,
  internal: readonly string[],
): { account: string; principal: string; sid?: string }[] {
  const out: { account: string; principal: string; sid?: string }[] = [];
  for (const s of policy.Statement) {
    if (s.Effect !== "Allow") continue;
    for (const p of statementPrincipals(s)) {
      if (p.type !== "AWS") continue;
      const account = principalAccount(p.value);
      if (!account || account === "*" || account === own || internal.includes(account)) continue;
      out.push({ account, principal: p.value, sid: s.Sid });
    }
  }
  return out;
}
