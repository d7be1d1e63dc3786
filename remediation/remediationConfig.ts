import { z } from "zod";
import { envBool, envInt, envList, optionalString } from "../bot/configSchema";

/** "name=70,other=95" → { name: 70, other: 95 }; a bad entry fails start-up naming it. */
function envThresholds() {
  return z
    .string()
    .default("")
    .transform((v, ctx) => {
      const out: Record<string, number> = {};
      for (const part of v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const m = /^([A-Za-z0-9._-]+)\s*=\s*(\d{1,3})$/.exec(part);
        if (!m || Number(m[2]) > 100) {
          ctx.addIssue({ code: "custom", message: `"${part}" is not playbook=0..100` });
          return z.NEVER;
        }
        out[m[1]] = Number(m[2]);
      }
      return out;
    });
}

/** The remediation section of the configuration; bot/config.ts merges it into the one schema. */
export const remediationConfigShape = {
  REMEDIATION_MODE: z
    .enum(["dry-run", "enforce"])
    .default("dry-run")
    .describe(
      "dry-run: cards show the remediation plan and nothing is executed; enforce: approved (or automatic) plans change cloud IAM.",
    ),
  AUTO_REMEDIATE: envBool(false).describe(
    "Run a plan without a button press when the incident's risk reaches the threshold (still never in dry-run, never for never-touch principals, never for two-person actions).",
  ),
  AUTO_REMEDIATE_THRESHOLD: envInt(85, 0, 100).describe(
    "Risk (0-100) at or above which a plan runs by itself when AUTO_REMEDIATE is on.",
  ),
  AUTO_REMEDIATE_THRESHOLDS: envThresholds().describe(
    'Per-playbook thresholds overriding AUTO_REMEDIATE_THRESHOLD, e.g. "remove-public-members=70,quarantine-identity=95".',
  ),
  NEVER_TOUCH: envList().describe(
    "Comma-separated glob patterns (* wildcard) of principals (emails, members, ARNs, user/role names) and projects/accounts remediation must never change, e.g. break-glass accounts.",
  ),
  TWO_PERSON_ACTIONS: z
    .string()
    .default(
      "remove-binding(roles/owner):human,gcp.removeMemberEverywhere:human,quarantine-identity:human,leaver",
    )
    .describe(
      'Actions needing two distinct approvers. Each entry is a playbook name or action kind, optionally "(role glob)" to match only that role and ":human" to match only people, e.g. "remove-binding(roles/owner):human,leaver".',
    ),
  BREAKER_MAX_AUTO_PER_HOUR: envInt(10, 0).describe(
    "Blast-radius breaker: more automatic remediation steps than this within an hour pauses automatic mode (for all replicas) until a person resets it.",
  ),
  SUPPRESSION_DAYS: envInt(30, 1, 3650).describe(
    'How long a "dismiss and suppress" silences the same principal and detector.',
  ),
  REMEDIATION_MAX_ATTEMPTS: envInt(4, 1, 10).describe(
    "Attempts per cloud call on throttling or 5xx errors (exponential backoff) before a step is reported failed.",
  ),
  GOOGLE_API_ROOT_URL: optionalString().describe(
    "Root URL for Google APIs used by remediation (Resource Manager, Cloud Storage, IAM). Unset: Google's endpoints with Application Default Credentials; set (tests, local stand-ins): no credentials are sent.",
  ),
  AWS_ASSUME_ROLE_ARN_TEMPLATE: optionalString().describe(
    "Role to assume in each AWS account before remediating, with {account} replaced by the account id, e.g. arn:aws:iam::{account}:role/iam-immune-remediator. Unset: the default credential provider chain.",
  ),
  AWS_REMEDIATION_REGION: z
    .string()
    .default("us-east-1")
    .describe("Region for the AWS IAM and S3 clients (S3 follows bucket region redirects)."),
} as const;

export const RemediationConfigSchema = z.object({ ...remediationConfigShape });
export type RemediationConfig = z.infer<typeof RemediationConfigSchema>;
