import {
  type AwsAccessLevel,
  type AwsStatement,
  awsActionData,
  awsActionsByLowerName,
  awsManagedPolicy,
} from "../../detection/referenceData";

/**
 * AWS actions a policy allows, expanded against the Service Authorization Reference list
 * (detection/referenceData), and the risk of each for the "riskiest removed" list.
 */

let byService: Map<string, string[]> | undefined;
function actionsByService(): Map<string, string[]> {
  if (!byService) {
    const m = new Map<string, string[]>();
    for (const name of Object.keys(awsActionData().actions)) {
      const svc = name.slice(0, name.indexOf(":")).toLowerCase();
      const list = m.get(svc);
      if (list) list.push(name);
      else m.set(svc, [name]);
    }
    byService = m;
  }
  return byService;
}

function patternRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/** Known action names matching one IAM action pattern (`s3:Get*`, `*`, `iam:PassRole`). */
export function expandActionPattern(pattern: string): string[] {
  if (pattern === "*") return Object.keys(awsActionData().actions);
  const colon = pattern.indexOf(":");
  if (colon < 0) return [];
  const svc = pattern.slice(0, colon).toLowerCase();
  if (svc.includes("*") || svc.includes("?")) {
    const re = patternRegex(pattern);
    return Object.keys(awsActionData().actions).filter((a) => re.test(a));
  }
  if (!pattern.includes("*") && !pattern.includes("?")) {
    const hit = awsActionsByLowerName().get(pattern.toLowerCase());
    return hit ? [hit.name] : [];
  }
  const re = patternRegex(pattern);
  return (actionsByService().get(svc) ?? []).filter((a) => re.test(a));
}

const asArray = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

export interface PolicySummary {
  /** Actions the policy's Allow statements grant (known actions only). */
  allowed: Set<string>;
  /** Whether the policy has Deny statements: detaching it would widen access. */
  hasDeny: boolean;
}

export function summarizePolicyDocument(document: unknown): PolicySummary {
  const allowed = new Set<string>();
  let hasDeny = false;
  const raw = typeof document === "string" ? safeJson(document) : document;
  const st = (raw as { Statement?: unknown } | null)?.Statement;
  const statements = (Array.isArray(st) ? st : st ? [st] : []) as AwsStatement[];
  for (const s of statements) {
    if (s.Effect === "Deny") {
      hasDeny = true;
      continue;
    }
    if (s.Effect !== "Allow") continue;
    if (s.NotAction !== undefined) {
      const excluded = new Set(asArray(s.NotAction).flatMap(expandActionPattern));
      for (const a of Object.keys(awsActionData().actions)) if (!excluded.has(a)) allowed.add(a);
    }
    for (const pattern of asArray(s.Action)) for (const a of expandActionPattern(pattern)) allowed.add(a);
  }
  return { allowed, hasDeny };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(decodeURIComponentSafe(text));
  } catch {
    return null;
  }
}
function decodeURIComponentSafe(text: string): string {
  // IAM returns policy documents URL-encoded; CloudTrail usually does not.
  if (!text.trimStart().startsWith("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const managedCache = new Map<string, PolicySummary | null>();
/** An AWS managed policy's summary, or null when it is not in the reference (customer managed). */
export function managedPolicySummary(arn: string): PolicySummary | null {
  if (!managedCache.has(arn)) {
    const p = awsManagedPolicy(arn);
    managedCache.set(arn, p ? summarizePolicyDocument({ Statement: p.statements }) : null);
  }
  return managedCache.get(arn)!;
}

export function accessLevel(action: string): AwsAccessLevel | "Unknown" {
  return awsActionsByLowerName().get(action.toLowerCase())?.level ?? "Unknown";
}

/** The action's canonical spelling from the reference, or the input when unknown. */
export function canonicalAction(action: string): string {
  return awsActionsByLowerName().get(action.toLowerCase())?.name ?? action;
}

const DATA_READ_ACTIONS = new Set(
  [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "rds-data:ExecuteStatement",
    "athena:GetQueryResults",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "logs:GetLogEvents",
  ].map((a) => a.toLowerCase()),
);

export function awsActionRisk(action: string): { weight: number; why: string } {
  const level = accessLevel(action);
  const verb = action.slice(action.indexOf(":") + 1);
  if (level === "Permissions management") return { weight: 25, why: "changes permissions" };
  if (action.toLowerCase() === "sts:assumerole") return { weight: 25, why: "acts as another identity" };
  if (DATA_READ_ACTIONS.has(action.toLowerCase())) return { weight: 8, why: "reads data" };
  if (/^(Delete|Terminate|Remove|Purge|Destroy)/.test(verb)) return { weight: 5, why: "deletes" };
  if (level === "Write") return { weight: 2, why: "changes resources" };
  if (level === "Tagging") return { weight: 1, why: "tags resources" };
  return { weight: 1, why: "reads metadata" };
}
