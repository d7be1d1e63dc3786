import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CategorySchema } from "../../detection/model";

const ROOT = join(import.meta.dirname, "../..");

function immune(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bin/immune.ts", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    timeout: 60_000,
  });
  const lines = r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stderr: r.stderr };
}

interface ScanLine {
  eventId: string;
  source: string;
  action: string;
  actor: string;
  findings: { detector: string; category: string; severity: string; summary: string }[];
  risk: number;
}

// Each case spawns the CLI (tsx compiles on start): generous time on a loaded 2-core machine.
describe("immune scan", { timeout: 120_000 }, () => {
  it("prints one line per sample event with findings, categories and risk", () => {
    const files = readdirSync(join(ROOT, "examples/gcp"))
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => `examples/gcp/${f}`);
    const { status, lines } = immune(["scan", ...files]);
    expect(status).toBe(0);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines as unknown as ScanLine[]) {
      expect(Object.keys(l).sort()).toEqual(["action", "actor", "eventId", "findings", "risk", "source"]);
      for (const f of l.findings) expect(CategorySchema.options).toContain(f.category);
      expect(l.risk).toBeGreaterThanOrEqual(0);
      expect(l.risk).toBeLessThanOrEqual(100);
    }
    const publicBucket = (lines as unknown as ScanLine[]).find((l) =>
      l.findings.some((f) => f.detector === "gcp-public-bucket"),
    );
    expect(publicBucket?.risk).toBeGreaterThanOrEqual(70);
  });

  it("stays quiet on the benign sample", () => {
    const { status, lines } = immune(["scan", "examples/gcp/benign-noise.jsonl"]);
    expect(status).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
    const noisy = (lines as unknown as ScanLine[]).filter((l) =>
      l.findings.some((f) => f.severity !== "low" && f.severity !== "info"),
    );
    expect(noisy).toEqual([]);
  });

  it("reports a malformed line and goes on; exits non-zero only for an unreadable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "immune-scan-"));
    const file = join(dir, "mixed.jsonl");
    const good = readdirSync(join(ROOT, "examples/gcp")).length > 0;
    expect(good).toBe(true);
    const sample = spawnSync("head", ["-n", "1", "examples/gcp/public-bucket-attack.jsonl"], {
      cwd: ROOT,
      encoding: "utf8",
    }).stdout.trim();
    writeFileSync(file, `${sample}\n{not json\n{"hello":"world"}\n${sample}\n`);
    const r = immune(["scan", file]);
    expect(r.status).toBe(0);
    expect(r.lines[1]).toMatchObject({ line: 2 });
    expect(String(r.lines[1].error)).toMatch(/JSON/i);
    expect(r.lines[2]).toMatchObject({ line: 3 });
    expect(r.lines).toHaveLength(4);
    expect(r.lines[3]).toHaveProperty("eventId");

    const missing = immune(["scan", join(dir, "nope.jsonl")]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("cannot read");
  });

  it("reads standard input with -", () => {
    const sample = spawnSync("head", ["-n", "2", "examples/gcp/public-bucket-attack.jsonl"], {
      cwd: ROOT,
      encoding: "utf8",
    }).stdout;
    const r = immune(["scan", "-"], sample);
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(2);
  });
});
