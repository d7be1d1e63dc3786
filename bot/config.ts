import { readFileSync } from "node:fs";
import { z } from "zod";
import { anomalyConfigShape } from "../detection/anomaly/anomalyConfig";
import { riskConfigShape } from "../detection/risk";
import { lifecycleConfigShape } from "../integrations/sailpoint/lifecycleConfig";
import { leastPrivilegeConfigShape } from "../remediation/leastPrivilege/leastPrivilegeConfig";
import { remediationConfigShape } from "../remediation/remediationConfig";
import { envBool, envInt, envList, optionalString, SECRET } from "./configSchema";
import { slackConfigProblems, slackConfigShape } from "./slack/slackConfig";
import { teamsConfigProblems, teamsConfigShape } from "./teams/teamsConfig";

/**
 * The process configuration: one zod schema over environment variables (and optionally a
 * JSON file named by IMMUNE_CONFIG_FILE whose keys are the same variable names; the
 * environment wins). A bad value stops start-up with a message naming each variable.
 *
 * Descriptions are written once here; `npm run docs:config` renders them into README.md and
 * test/ops/configTable.test.ts fails when the two drift apart.
 */
export const coreConfigShape = {
  PORT: envInt(3000, 0, 65535).describe("Port the HTTP server listens on."),
  HOST: optionalString().describe(
    "Address to bind. Defaults to 127.0.0.1 when no webhook secrets are set (local demo), else 0.0.0.0.",
  ),
  PUBLIC_URL: optionalString().describe(
    "Base URL the server is reached at (links on cards, manifest). Defaults to http://localhost:PORT.",
  ),
  DATA_DIR: z.string().default("./data").describe("Folder for the embedded SQLite store."),
  STORE: z.enum(["sqlite", "firestore"]).default("sqlite").describe("Which store adapter to use."),
  FIRESTORE_PROJECT_ID: optionalString().describe("Google Cloud project of the Firestore database."),
  FIRESTORE_DATABASE_ID: z.string().default("(default)").describe("Firestore database id."),
  FIRESTORE_EMULATOR_HOST: optionalString().describe(
    "host:port of a Firestore emulator (tests, local); the client library reads it too.",
  ),
  LOCAL_UNAUTHENTICATED: envBool(false).describe(
    "Accept unauthenticated webhooks. Only for local use: start-up warns loudly. Implied when no webhook secret is set and HOST is loopback.",
  ),
  PUBSUB_AUDIENCE: optionalString().describe(
    "Expected audience of the Pub/Sub push OIDC token (usually the push endpoint URL).",
  ),
  PUBSUB_SERVICE_ACCOUNT: optionalString().describe(
    "Email of the service account the push subscription signs its OIDC token as.",
  ),
  GOOGLE_OIDC_CERTS_URL: optionalString().describe(
    "Where to fetch Google's OIDC signing certificates (PEM JSON). Defaults to Google's; tests point it at a local server.",
  ),
  EVENTBRIDGE_API_KEY: optionalString().describe(
    `${SECRET} API key the EventBridge API destination connection sends.`,
  ),
  EVENTBRIDGE_API_KEY_HEADER: z
    .string()
    .default("x-api-key")
    .describe("Header carrying the EventBridge API key."),
  EVENTBRIDGE_BASIC_USER: optionalString().describe(
    "Basic-auth user for the EventBridge connection (alternative).",
  ),
  EVENTBRIDGE_BASIC_PASSWORD: optionalString().describe(
    `${SECRET} Basic-auth password for the EventBridge connection.`,
  ),
  BODY_LIMIT: z.string().default("5mb").describe("Largest webhook body accepted (express size string)."),
  WEB_PROCESSES: envInt(0, 0, 16).describe(
    "HTTP-only processes started beside the one that works the inbox. 0: one process does everything. 1 or more: the first process only processes events (detection, incidents, cards, remediation) and runs the schedules, and these processes answer every request, so webhooks are acknowledged on another core than the one analysing events. The container image sets 1.",
  ),
  WORKER_BATCH: envInt(200, 1, 5000).describe("Inbox records one worker pass claims."),
  WORKER_LEASE_MS: envInt(60_000, 1000).describe(
    "How long a claimed inbox record stays claimed before retry.",
  ),
  WORKER_MAX_ATTEMPTS: envInt(6, 1, 100).describe(
    "Attempts before a failing record is parked as a dead letter.",
  ),
  INBOX_RETENTION_DAYS: envInt(90, 0, 3650).describe(
    "Processed inbox records older than this are deleted (hourly, in batches); never below ANOMALY_TRAINING_DAYS, which retraining reads. Pending records and dead letters are kept. 0 keeps everything.",
  ),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("Log level (pino)."),
  READY_MAX_BACKLOG: envInt(50_000, 1).describe(
    "/readyz answers 503 when more inbox records than this wait.",
  ),
  ALLOWED_DOMAINS: envList().describe(
    "Comma-separated domains whose members are internal; grants to others are flagged (empty: skip that check).",
  ),
} as const;

/** One schema for the whole process: each area owns its section, merged here. */
export const ConfigSchema = z.object({
  ...coreConfigShape,
  ...riskConfigShape,
  ...slackConfigShape,
  ...teamsConfigShape,
  ...remediationConfigShape,
  ...anomalyConfigShape,
  ...leastPrivilegeConfigShape,
  ...lifecycleConfigShape,
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let fileValues: Record<string, string> = {};
  const file = env.IMMUNE_CONFIG_FILE;
  if (file) {
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      fileValues = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch (err) {
      throw new ConfigError([`IMMUNE_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`]);
    }
  }
  const input: Record<string, string | undefined> = { ...fileValues };
  for (const key of Object.keys(ConfigSchema.shape)) {
    if (env[key] !== undefined) input[key] = env[key];
  }
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`));
  }
  const cfg = result.data;
  const problems: string[] = [];
  if (cfg.STORE === "firestore" && !cfg.FIRESTORE_PROJECT_ID) {
    problems.push("FIRESTORE_PROJECT_ID: required when STORE=firestore");
  }
  if (cfg.PUBSUB_AUDIENCE && !cfg.PUBSUB_SERVICE_ACCOUNT) {
    problems.push("PUBSUB_SERVICE_ACCOUNT: required when PUBSUB_AUDIENCE is set");
  }
  if (cfg.EVENTBRIDGE_BASIC_USER && !cfg.EVENTBRIDGE_BASIC_PASSWORD) {
    problems.push("EVENTBRIDGE_BASIC_PASSWORD: required when EVENTBRIDGE_BASIC_USER is set");
  }
  problems.push(...slackConfigProblems(cfg));
  problems.push(...teamsConfigProblems(cfg));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

/** Variables whose description starts with [secret]: never printed. */
export function secretKeys(): string[] {
  return Object.entries(ConfigSchema.shape)
    .filter(([, s]) => (s.description ?? "").startsWith(SECRET))
    .map(([k]) => k);
}
