import { z } from "zod";
import { envInt, envList, optionalString, SECRET } from "../../bot/configSchema";

/**
 * The identity-lifecycle section of the configuration (SailPoint ISC / IdentityIQ, JML CSV);
 * bot/config.ts merges it into the one schema.
 */
export const lifecycleConfigShape = {
  SAILPOINT_WEBHOOK_SECRET: optionalString().describe(
    `${SECRET} Shared secret for HMAC-SHA256 signatures on POST /events/sailpoint: header X-SailPoint-Signature = hex HMAC of "<X-SailPoint-Timestamp>.<raw body>".`,
  ),
  SAILPOINT_WEBHOOK_TOKEN: optionalString().describe(
    `${SECRET} Bearer token the ISC trigger subscription (BEARER_TOKEN authentication) sends to POST /events/sailpoint.`,
  ),
  SAILPOINT_WEBHOOK_BASIC_USER: optionalString().describe(
    "Basic-auth user the trigger subscription (BASIC_AUTH authentication) sends to POST /events/sailpoint.",
  ),
  SAILPOINT_WEBHOOK_BASIC_PASSWORD: optionalString().describe(
    `${SECRET} Basic-auth password for POST /events/sailpoint.`,
  ),
  SAILPOINT_REPLAY_WINDOW_SECONDS: envInt(300, 10, 86_400).describe(
    "Signed SailPoint requests whose timestamp is further than this from now are refused (replay window).",
  ),
  ISC_BASE_URL: optionalString().describe(
    "SailPoint Identity Security Cloud API base URL, e.g. https://acme.api.identitynow.com (a local stand-in in tests).",
  ),
  ISC_CLIENT_ID: optionalString().describe(
    "ISC personal access token / OAuth client id (client credentials).",
  ),
  ISC_CLIENT_SECRET: optionalString().describe(`${SECRET} ISC OAuth client secret.`),
  LIFECYCLE_GCP_RESOURCES: envList().describe(
    "GCP resources whose IAM policies are searched for a leaver's or mover's bindings, e.g. projects/prod-1,folders/123,organizations/456.",
  ),
  LIFECYCLE_AWS_ACCOUNTS: envList().describe(
    "AWS account ids whose IAM users are searched for a person (by the LIFECYCLE_AWS_USER_TAG tag). Empty: the default credentials' account.",
  ),
  LIFECYCLE_AWS_USER_TAG: z
    .string()
    .default("email")
    .describe("IAM user tag whose value is the person's email; users carrying it belong to that person."),
  LIFECYCLE_AWS_USER_MAP: envList().describe(
    "Explicit person-to-IAM-user mapping, comma-separated email=userArn pairs (for users without the tag).",
  ),
  LIFECYCLE_ROLE_ACCESS: z
    .string()
    .default("{}")
    .describe(
      'JSON: department (or title) → the cloud access that role should have, e.g. {"engineering":{"gcpRoles":["roles/editor"],"awsGroups":["developers"]}}. A mover\'s access outside the new role\'s entry becomes an incident.',
    ),
  LIFECYCLE_LEAVER_STATES: envList()
    .default(["inactive", "terminated", "leaver", "disabled"])
    .describe("ISC cloudLifecycleState values that mean the person left."),
  LIFECYCLE_ONBOARDING_DAYS: envInt(14, 0, 365).describe(
    "Joiner onboarding window: baselines learn and anomaly weight is lowered for this many days.",
  ),
  LIFECYCLE_LEAVER_RISK: envInt(90, 0, 100).describe(
    "Risk given to a leaver's offboarding incident (automatic revocation runs when it reaches the remediation threshold and policy allows).",
  ),
  JML_POSITIONS: envList().describe(
    'JML CSV positions mapped to AWS IAM groups, comma-separated position=group1|group2 entries, e.g. "engineer=developers|readonly,analyst=analysts".',
  ),
  JML_AWS_ACCOUNT: optionalString().describe(
    "AWS account the JML CSV provisions IAM users in (default credentials' account when unset).",
  ),
  JML_DRY_RUN: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1")
    .describe("JML CSV: report what would change without changing AWS."),
} as const;

export const LifecycleConfigSchema = z.object({ ...lifecycleConfigShape });
export type LifecycleConfig = z.infer<typeof LifecycleConfigSchema>;

export interface RoleAccess {
  gcpRoles: string[];
  awsGroups: string[];
}

const RoleAccessMapSchema = z.record(
  z.string(),
  z.object({ gcpRoles: z.array(z.string()).default([]), awsGroups: z.array(z.string()).default([]) }),
);

/** Parses LIFECYCLE_ROLE_ACCESS; keys are matched case-insensitively. */
export function parseRoleAccess(json: string): Map<string, RoleAccess> {
  const parsed = RoleAccessMapSchema.parse(JSON.parse(json || "{}"));
  return new Map(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v]));
}

/** "engineer=developers|readonly" → engineer → [developers, readonly]. */
export function parsePositions(entries: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const i = e.indexOf("=");
    if (i <= 0) continue;
    const groups = e
      .slice(i + 1)
      .split("|")
      .map((g) => g.trim())
      .filter(Boolean);
    out.set(e.slice(0, i).trim().toLowerCase(), groups);
  }
  return out;
}

/** "a@x=arn:aws:iam::1:user/a" → a@x → [arn]. */
export function parseUserMap(entries: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const i = e.indexOf("=");
    if (i <= 0) continue;
    const email = e.slice(0, i).trim().toLowerCase();
    out.set(email, [...(out.get(email) ?? []), e.slice(i + 1).trim()]);
  }
  return out;
}
