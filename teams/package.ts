import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import AdmZip from "adm-zip";
import { COMMAND_HELP } from "../bot/views/helpView";

/**
 * Builds the Teams app package (manifest.json + color.png + outline.png, zipped) from
 * teams/manifest.json, filling in the bot's app id and public URL. The bot's command menu is
 * made from the same list `help` prints, so its wording lives in one place.
 * Usage: TEAMS_APP_ID=… PUBLIC_URL=https://… npm run teams:package
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PackageInput {
  appId: string;
  publicUrl: string;
}

export function teamsManifest({ appId, publicUrl }: PackageInput): Record<string, unknown> {
  if (!GUID.test(appId))
    throw new Error(`TEAMS_APP_ID must be the bot's Microsoft App ID (a GUID), got "${appId}"`);
  const url = new URL(publicUrl);
  if (url.protocol !== "https:") throw new Error(`PUBLIC_URL must be https for Teams, got "${publicUrl}"`);
  const base = url.origin + url.pathname.replace(/\/$/, "");
  const text = readFileSync(join(HERE, "manifest.json"), "utf8")
    .replaceAll("{{TEAMS_APP_ID}}", appId)
    .replaceAll("{{PUBLIC_URL}}", base)
    .replaceAll("{{PUBLIC_HOST}}", url.host);
  const manifest = JSON.parse(text) as { bots: { scopes: string[]; commandLists: unknown[] }[] };
  // Teams allows 10 commands per list, titles up to 32 and descriptions up to 128 characters.
  const commands = COMMAND_HELP.slice(0, 10).map(([usage, what]) => ({
    title: usage.split(" ")[0].slice(0, 32),
    description: `${usage}: ${what}`.slice(0, 128),
  }));
  for (const bot of manifest.bots) bot.commandLists = [{ scopes: bot.scopes, commands }];
  return manifest;
}

export function buildTeamsPackage(input: PackageInput): Buffer {
  const zip = new AdmZip();
  zip.addFile("manifest.json", Buffer.from(`${JSON.stringify(teamsManifest(input), null, 2)}\n`));
  zip.addFile("color.png", readFileSync(join(HERE, "color.png")));
  zip.addFile("outline.png", readFileSync(join(HERE, "outline.png")));
  return zip.toBuffer();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const appId = process.env.TEAMS_APP_ID ?? "";
  const publicUrl = process.env.PUBLIC_URL ?? "";
  try {
    const out = join(HERE, "build", "iam-immune-teams.zip");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, buildTeamsPackage({ appId, publicUrl }));
    console.log(`Teams app package: ${out} (upload it in Teams: Apps > Manage your apps > Upload an app)`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
