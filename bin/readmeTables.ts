import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigSchema } from "../bot/config";
import { SECRET } from "../bot/configSchema";
import { FEATURES } from "../detection/anomaly/features";
import { allDetectors } from "../detection/detectors";
import { PLAYBOOKS } from "../remediation/playbooks";

/**
 * The README tables that must never drift from the code: the configuration (from the one zod
 * schema), the detectors (from the registry) and the anomaly features (detection/anomaly). `npm run docs` rewrites them in place between
 * their markers; a test fails when the README and the code disagree.
 */

export const README_PATH = fileURLToPath(new URL("../README.md", import.meta.url));

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function shownDefault(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (Array.isArray(value)) return value.length ? `\`${value.join(",")}\`` : "(empty)";
  if (value === "") return "(empty)";
  return `\`${String(value)}\``;
}

export function configTable(): string {
  const rows = ["| Variable | Default | What it does |", "| --- | --- | --- |"];
  for (const [key, schema] of Object.entries(ConfigSchema.shape)) {
    const description = schema.description ?? "";
    const secret = description.startsWith(SECRET);
    const parsed = schema.safeParse(undefined);
    const value = parsed.success ? parsed.data : undefined;
    const text = secret ? `**secret** — ${description.slice(SECRET.length).trim()}` : description;
    rows.push(`| \`${key}\` | ${secret ? "(unset)" : shownDefault(value)} | ${cell(text)} |`);
  }
  return rows.join("\n");
}

export function detectorTable(): string {
  const rows = [
    "| Detector | What it catches | Category | Cloud | Severity | Default playbook |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  const sorted = [...allDetectors].sort(
    (a, b) => a.sources.join().localeCompare(b.sources.join()) || a.id.localeCompare(b.id),
  );
  for (const d of sorted) {
    const playbook = d.playbook ? (PLAYBOOKS[d.playbook]?.title ?? d.playbook) : "notify only";
    rows.push(
      `| \`${d.id}\` | ${cell(d.title)} | ${d.category} | ${d.sources.join(", ")} | ${d.severity} | ${cell(playbook)} |`,
    );
  }
  return rows.join("\n");
}

export function anomalyFeatureTable(): string {
  const rows = ["| # | Feature | Counts when |", "| --- | --- | --- |"];
  FEATURES.forEach((f, i) => {
    rows.push(`| ${i} | \`${f.name}\` | ${cell(f.description)} |`);
  });
  return rows.join("\n");
}

const TABLES: Record<string, () => string> = {
  config: configTable,
  detectors: detectorTable,
  anomalyFeatures: anomalyFeatureTable,
};

/** Replaces each `<!-- generated:NAME -->…<!-- /generated:NAME -->` block with the code's table. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, make] of Object.entries(TABLES)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md lacks the ${open} … ${close} markers`);
    out = `${out.slice(0, start + open.length)}\n${make()}\n${out.slice(end)}`;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(README_PATH, "utf8");
  const after = renderReadme(before);
  if (process.argv.includes("--check")) {
    if (after !== before) {
      process.stderr.write("README.md tables are out of date: run npm run docs\n");
      process.exit(1);
    }
  } else {
    writeFileSync(README_PATH, after);
    process.stdout.write(
      after === before ? "README.md already up to date\n" : "README.md tables rewritten\n",
    );
  }
}
