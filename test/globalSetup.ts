import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Secrets must never reach logs. Before the suite: a clean log folder. After it: every log line
 * any test server wrote is scanned for the secrets those servers were configured with, and for
 * strings shaped like bearer tokens, Slack tokens and JWTs. A hit fails the run.
 */
const DIR = join(import.meta.dirname, "../test-output/logs");

const TOKEN_SHAPES: [string, RegExp][] = [
  ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ["JWT", /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ["bearer credential", /\b(Bearer|Basic) (?!\[redacted)[A-Za-z0-9._~+/=-]{12,}/],
];

export function setup(): void {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
}

export function teardown(): void {
  if (!existsSync(DIR)) return;
  const files = readdirSync(DIR);
  const secrets = new Set(
    files
      .filter((f) => f.startsWith("secrets-"))
      .flatMap((f) => readFileSync(join(DIR, f), "utf8").split("\n"))
      .filter((s) => s.length >= 6),
  );
  const problems: string[] = [];
  for (const f of files.filter((name) => name.endsWith(".log"))) {
    const text = readFileSync(join(DIR, f), "utf8");
    for (const s of secrets)
      if (text.includes(s)) problems.push(`${f}: a configured secret appears in the logs`);
    for (const [what, re] of TOKEN_SHAPES)
      if (re.test(text)) problems.push(`${f}: a ${what} appears in the logs`);
  }
  if (problems.length) {
    // vitest reports a throwing teardown but still exits 0, so fail the process explicitly.
    process.stderr.write(`\nSecrets leaked into test logs:\n${problems.join("\n")}\n`);
    process.exitCode = 1;
    throw new Error("secrets leaked into test logs");
  }
}
