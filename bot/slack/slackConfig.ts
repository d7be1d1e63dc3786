import { validate as validCron } from "node-cron";
import { z } from "zod";
import { envBool, envInt, envList, optionalString, SECRET } from "../configSchema";

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The Slack face's section of the configuration (bot/config.ts merges it into the one
 * schema). Slack is off unless SLACK_BOT_TOKEN and (SLACK_SIGNING_SECRET, or Socket Mode with
 * SLACK_APP_TOKEN) are set; the digest and signed links work for every chat platform.
 */
export const slackConfigShape = {
  SLACK_SIGNING_SECRET: optionalString().describe(
    `${SECRET} Slack app signing secret: every request to /slack/events must carry a valid v0 signature made with it, at most 5 minutes old.`,
  ),
  SLACK_BOT_TOKEN: optionalString().describe(`${SECRET} Slack bot token (xoxb-…) the app posts cards with.`),
  SLACK_APP_TOKEN: optionalString().describe(
    `${SECRET} Slack app-level token (xapp-…, connections:write) for Socket Mode.`,
  ),
  SLACK_SOCKET_MODE: envBool(false).describe(
    "Receive Slack events over an outbound WebSocket (Socket Mode) instead of HTTP: for installs behind a firewall. Needs SLACK_APP_TOKEN.",
  ),
  SLACK_API_URL: optionalString().describe(
    "Base URL of the Slack Web API (default https://slack.com/api/). Tests point it at a local stand-in.",
  ),
  SLACK_INCIDENT_CHANNEL: optionalString().describe(
    "Slack channel id (C…) incident cards and the digest go to.",
  ),
  SLACK_APPROVERS: envList().describe(
    "Comma-separated Slack user ids (U…) and/or user-group ids (S…) allowed to approve and undo remediations. Empty: nobody may.",
  ),
  DIGEST_CRON: z
    .string()
    .default("0 9 * * *")
    .refine(validCron, "not a valid cron expression")
    .describe("When the daily digest is posted (cron expression, in DIGEST_TIMEZONE)."),
  DIGEST_TIMEZONE: z
    .string()
    .default("UTC")
    .refine(validTimeZone, "not an IANA time zone")
    .describe("Time zone of DIGEST_CRON and of the digest's 'yesterday' (IANA name, e.g. Europe/Paris)."),
  LINK_SIGNING_SECRET: optionalString().describe(
    `${SECRET} Key that signs the expiring links to incident pages (Details button). Unset: a random key per process, so links die on restart and differ between replicas.`,
  ),
  LINK_TTL_HOURS: envInt(168, 1, 24 * 90).describe(
    "How long a Details link to an incident page stays valid, in hours.",
  ),
} as const;

export const SlackConfigSchema = z.object({ ...slackConfigShape });
export type SlackConfig = z.infer<typeof SlackConfigSchema>;

/** Problems that one variable alone cannot show (called by loadConfig after merging). */
export function slackConfigProblems(cfg: SlackConfig): string[] {
  const problems: string[] = [];
  if (cfg.SLACK_SOCKET_MODE && !cfg.SLACK_APP_TOKEN) {
    problems.push("SLACK_APP_TOKEN: required when SLACK_SOCKET_MODE is on");
  }
  if (cfg.SLACK_BOT_TOKEN && !cfg.SLACK_SOCKET_MODE && !cfg.SLACK_SIGNING_SECRET) {
    problems.push("SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (HTTP mode verifies every request)");
  }
  if (cfg.SLACK_BOT_TOKEN && !cfg.SLACK_INCIDENT_CHANNEL) {
    problems.push("SLACK_INCIDENT_CHANNEL: required with SLACK_BOT_TOKEN (where cards go)");
  }
  for (const a of cfg.SLACK_APPROVERS) {
    if (!/^[USW][A-Z0-9]{2,}$/.test(a))
      problems.push(`SLACK_APPROVERS: "${a}" is not a user (U…) or user-group (S…) id`);
  }
  return problems;
}

export function slackEnabled(cfg: SlackConfig): boolean {
  return Boolean(
    cfg.SLACK_BOT_TOKEN && (cfg.SLACK_SIGNING_SECRET || (cfg.SLACK_SOCKET_MODE && cfg.SLACK_APP_TOKEN)),
  );
}
