import { z } from "zod";
import { envList, optionalString, SECRET } from "../configSchema";

/**
 * The Teams face's section of the configuration (bot/config.ts merges it into the one schema).
 * The four TEAMS_APP_* values are handed to botbuilder under the names it reads
 * (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId, MicrosoftAppType). Teams is off
 * unless TEAMS_APP_ID is set, or LOCAL_UNAUTHENTICATED is on (Bot Framework Emulator, loopback).
 */
export const teamsConfigShape = {
  TEAMS_APP_ID: optionalString().describe(
    "Microsoft App ID of the Azure Bot (MicrosoftAppId). Every activity on /api/messages must carry a Bot Framework token for it.",
  ),
  TEAMS_APP_PASSWORD: optionalString().describe(
    `${SECRET} Client secret of the bot's app registration (MicrosoftAppPassword).`,
  ),
  TEAMS_APP_TENANT_ID: optionalString().describe(
    "Azure AD tenant of the bot's app registration (MicrosoftAppTenantId); required for SingleTenant.",
  ),
  TEAMS_APP_TYPE: z
    .enum(["SingleTenant", "MultiTenant", "UserAssignedMSI"])
    .default("SingleTenant")
    .describe("How the bot authenticates to Azure (MicrosoftAppType)."),
  TEAMS_APPROVERS: envList().describe(
    "Comma-separated Azure AD object ids of the Teams users allowed to approve and undo remediations. Empty: nobody may.",
  ),
  TEAMS_CHANNELS: envList().describe(
    "Comma-separated Teams conversation ids (19:…@thread.tacv2) incident cards and the digest go to. Empty: every team channel and group chat the bot is installed in.",
  ),
} as const;

export const TeamsConfigSchema = z.object({ ...teamsConfigShape });
export type TeamsConfig = z.infer<typeof TeamsConfigSchema>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Problems that one variable alone cannot show (called by loadConfig after merging). */
export function teamsConfigProblems(cfg: TeamsConfig): string[] {
  const problems: string[] = [];
  if (cfg.TEAMS_APP_ID && cfg.TEAMS_APP_TYPE !== "UserAssignedMSI" && !cfg.TEAMS_APP_PASSWORD) {
    problems.push("TEAMS_APP_PASSWORD: required with TEAMS_APP_ID (the bot signs its replies with it)");
  }
  if (cfg.TEAMS_APP_ID && cfg.TEAMS_APP_TYPE !== "MultiTenant" && !cfg.TEAMS_APP_TENANT_ID) {
    problems.push(`TEAMS_APP_TENANT_ID: required when TEAMS_APP_TYPE is ${cfg.TEAMS_APP_TYPE}`);
  }
  for (const a of cfg.TEAMS_APPROVERS) {
    if (!GUID.test(a)) problems.push(`TEAMS_APPROVERS: "${a}" is not an Azure AD object id (a GUID)`);
  }
  return problems;
}
