import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ScanLine, Scanner } from "../../bin/scan";
import { allDetectors } from "../../detection/detectors";

/** `immune scan` over the AWS sample files a newcomer replays (examples/aws/). */
async function scan(file: string): Promise<(ScanLine & { error?: string })[]> {
  const scanner = new Scanner({ detectors: allDetectors, internalAccounts: ["111122223333"] });
  const out: string[] = [];
  const path = fileURLToPath(new URL(`../../examples/aws/${file}`, import.meta.url));
  await scanner.scanStream(createReadStream(path), (l) => out.push(l));
  return out.map((l) => JSON.parse(l));
}
const detectorsOf = (lines: ScanLine[]) => new Set(lines.flatMap((l) => l.findings.map((f) => f.detector)));

describe("examples/aws", () => {
  it("the attack chain (CloudTrail log file) shows recon, a backdoor admin, credential theft and blinding", async () => {
    const lines = await scan("cloudtrail-attack-chain.json");
    expect(lines.filter((l) => l.error)).toEqual([]);
    expect([...detectorsOf(lines)].sort()).toEqual(
      [
        "aws-access-key-for-other-user",
        "aws-admin-inline-policy",
        "aws-admin-policy-attached",
        "aws-cloudtrail-tampering",
        "aws-denied-burst",
        "aws-flow-logs-deleted",
        "aws-guardduty-disabled",
        "aws-iam-identity-lifecycle",
        "aws-login-profile-for-other-user",
        "aws-mfa-device-removed",
        "aws-new-identity-made-admin",
        "aws-trust-policy-external",
      ].sort(),
    );
    const stop = lines.find((l) => l.action === "StopLogging");
    expect(stop?.findings[0].severity).toBe("critical");
    expect(stop?.risk).toBeGreaterThanOrEqual(70);
  });

  it("root use and cross-account moves (EventBridge JSON Lines) are all reported", async () => {
    const lines = await scan("eventbridge-root-and-cross-account.jsonl");
    expect(lines.filter((l) => l.error)).toEqual([]);
    expect(lines.every((l) => l.findings.length > 0)).toBe(true);
    const login = lines.find((l) => l.action === "ConsoleLogin");
    expect(login?.findings.map((f) => [f.detector, f.severity])).toEqual([
      ["aws-root-console-login", "critical"],
    ]);
    for (const d of [
      "aws-assume-role-external",
      "aws-resource-policy-external",
      "aws-config-disabled",
      "aws-root-access-key-created",
    ])
      expect(detectorsOf(lines)).toContain(d);
  });

  it.each(["cloudtrail-benign-reads.json", "eventbridge-benign-writes.jsonl"])(
    "benign noise in %s raises nothing",
    async (file) => {
      const lines = await scan(file);
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.filter((l) => l.error)).toEqual([]);
      expect(lines.flatMap((l) => l.findings)).toEqual([]);
    },
  );
});
