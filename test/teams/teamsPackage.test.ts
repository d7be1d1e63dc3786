import AdmZip from "adm-zip";
import { describe, expect, it } from "vitest";
import { COMMAND_HELP } from "../../bot/views/helpView";
import { buildTeamsPackage } from "../../teams/package";

const APP_ID = "0a1b2c3d-1111-2222-3333-444455556666";

function pngSize(buf: Buffer): [number, number] {
  expect(buf.subarray(1, 4).toString("ascii")).toBe("PNG");
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

describe("Teams app package (npm run teams:package)", () => {
  it("zips the manifest with the bot's id, the server's domain, the help commands and both icons", () => {
    const zip = new AdmZip(buildTeamsPackage({ appId: APP_ID, publicUrl: "https://immune.example.com/" }));
    expect(
      zip
        .getEntries()
        .map((e) => e.entryName)
        .sort(),
    ).toEqual(["color.png", "manifest.json", "outline.png"]);
    const manifest = JSON.parse(zip.readAsText("manifest.json"));
    expect(manifest.manifestVersion).toBe("1.17");
    expect(manifest.id).toBe(APP_ID);
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(["immune.example.com"]);
    expect(manifest.developer.privacyUrl).toBe("https://immune.example.com/privacy");
    expect(JSON.stringify(manifest)).not.toContain("{{");
    const commands = manifest.bots[0].commandLists[0].commands as { title: string; description: string }[];
    expect(commands.map((c) => c.title)).toEqual(COMMAND_HELP.map(([usage]) => usage.split(" ")[0]));
    for (const c of commands) {
      expect(c.title.length).toBeLessThanOrEqual(32);
      expect(c.description.length).toBeLessThanOrEqual(128);
    }
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(pngSize(zip.readFile("color.png") as Buffer)).toEqual([192, 192]);
    expect(pngSize(zip.readFile("outline.png") as Buffer)).toEqual([32, 32]);
  });

  it("refuses an app id that is not a GUID and a public URL that is not https", () => {
    expect(() => buildTeamsPackage({ appId: "my-bot", publicUrl: "https://immune.example.com" })).toThrow(
      /GUID/,
    );
    expect(() => buildTeamsPackage({ appId: APP_ID, publicUrl: "http://immune.example.com" })).toThrow(
      /https/,
    );
  });
});
