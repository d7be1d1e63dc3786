import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configTable, detectorTable, README_PATH, renderReadme } from "../../bin/readmeTables";
import { ConfigSchema } from "../../bot/config";
import { allDetectors } from "../../detection/detectors";

const readme = readFileSync(README_PATH, "utf8");

describe("README", () => {
  it("holds the configuration and detector tables exactly as the code generates them (npm run docs)", () => {
    expect(renderReadme(readme)).toBe(readme);
  });

  it("lists every configuration variable and every detector", () => {
    const config = configTable();
    for (const key of Object.keys(ConfigSchema.shape)) expect(config).toContain(`| \`${key}\` |`);
    const detectors = detectorTable();
    for (const d of allDetectors) expect(detectors).toContain(`| \`${d.id}\` |`);
  });

  it("gives the quick start the issue asks for", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });
});
