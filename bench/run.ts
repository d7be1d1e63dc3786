import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { BenchFigure, BenchSection } from "./section";
import { sections } from "./sections";

/**
 * `npm run bench` runs every section; `npm run bench -- --only NAME` runs one. Prints a table,
 * writes BENCHMARKS.md and bench/results.json (flat keys such as detection.ratio_vs_parse).
 * When only some sections run, the other sections' earlier figures in results.json are kept.
 */
const root = fileURLToPath(new URL("..", import.meta.url));

function parseArgs(argv: string[]): { only?: string[] } {
  const i = argv.indexOf("--only");
  return i >= 0 && argv[i + 1] ? { only: argv[i + 1].split(",") } : {};
}

function fmt(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

async function main(): Promise<void> {
  const { only } = parseArgs(process.argv.slice(2));
  const chosen: BenchSection[] = only ? sections.filter((s) => only.includes(s.name)) : sections;
  if (only && chosen.length !== only.length) {
    const known = sections.map((s) => s.name).join(", ");
    throw new Error(`unknown section in --only ${only.join(",")} (known: ${known})`);
  }
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
  const resultsPath = `${root}bench/results.json`;
  let previous: { figures?: Record<string, unknown>; sections?: Record<string, unknown> } = {};
  try {
    previous = JSON.parse((await import("node:fs")).readFileSync(resultsPath, "utf8"));
  } catch {
    previous = {};
  }
  const figures: Record<string, number | string> = {
    ...((previous.figures as Record<string, number | string>) ?? {}),
  };
  const bySection: Record<string, { title: string; command: string; rows: BenchFigure[]; seconds: number }> =
    {
      ...((previous.sections as Record<
        string,
        { title: string; command: string; rows: BenchFigure[]; seconds: number }
      >) ?? {}),
    };
  const log = (line: string) => process.stdout.write(`  ${line}\n`);
  process.stdout.write(
    `IAM Immune benchmarks — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}\n`,
  );
  const runStart = performance.now();
  for (const s of chosen) {
    process.stdout.write(`\n## ${s.name}: ${s.title}\n`);
    const t0 = performance.now();
    const rows = await s.run(log);
    const seconds = (performance.now() - t0) / 1000;
    for (const key of Object.keys(figures)) if (key.startsWith(`${s.name}.`)) delete figures[key];
    for (const r of rows) figures[r.key] = r.value;
    bySection[s.name] = { title: s.title, command: `npm run bench -- --only ${s.name}`, rows, seconds };
    for (const r of rows) {
      const verdict = r.target ? ` (target ${r.target}: ${r.pass ? "met" : "NOT met"})` : "";
      process.stdout.write(`  ${r.key.padEnd(44)} ${fmt(r.value).padStart(14)} ${r.unit ?? ""}${verdict}\n`);
    }
  }
  writeFileSync(resultsPath, `${JSON.stringify({ machine, figures, sections: bySection }, null, 2)}\n`);
  writeFileSync(`${root}BENCHMARKS.md`, renderMarkdown(machine, bySection));
  const runSeconds = (performance.now() - runStart) / 1000;
  process.stdout.write(
    `\nThis run took ${runSeconds.toFixed(0)} s. Wrote BENCHMARKS.md and bench/results.json\n`,
  );
}

function renderMarkdown(
  machine: { cores: number; cpu: string; node: string; platform: string; date: string },
  bySection: Record<string, { title: string; command: string; rows: BenchFigure[]; seconds: number }>,
): string {
  const lines = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (do not edit by hand). Every comparison in a section was measured side by side in the same run.",
    "",
    `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.platform}, Node ${machine.node}. Last run: ${machine.date}.`,
    "",
    `Every section together: ${wholeRun(bySection)} (the sum of each section's time as listed below; \`npm run bench\` runs them one after another).`,
    "",
  ];
  for (const [name, s] of Object.entries(bySection)) {
    lines.push(
      `## ${name}: ${s.title}`,
      "",
      `Command: \`${s.command}\` (took ${s.seconds.toFixed(1)} s)`,
      "",
    );
    lines.push("| figure | value | unit | what | target |", "|---|---:|---|---|---|");
    for (const r of s.rows) {
      const target = r.target ? `${r.target} — ${r.pass ? "met" : "**not met**"}` : "";
      lines.push(`| \`${r.key}\` | ${fmt(r.value)} | ${r.unit ?? ""} | ${r.label} | ${target} |`);
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

function wholeRun(bySection: Record<string, { seconds: number }>): string {
  const total = Object.values(bySection).reduce((n, s) => n + s.seconds, 0);
  return `${Math.floor(total / 60)} min ${Math.round(total % 60)} s`;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
