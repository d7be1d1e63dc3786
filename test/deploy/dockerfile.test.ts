import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "../../bench/loadRig";

const ROOT = join(import.meta.dirname, "../..");

describe("the container's start command", () => {
  it("starts the server with the node flags the load and soak benchmarks measure it with", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, "Dockerfile"), "utf8"))?.[1];
    const argv = JSON.parse(cmd ?? "[]") as string[];
    expect(argv.slice(-4)).toEqual(["--import", "tsx", "bin/immune.ts", "start"]);
    expect(argv.slice(1, -4)).toEqual(SERVER_NODE_FLAGS);
  });

  it("sets the environment the benchmarks run the server with (its processes)", () => {
    const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? "";
    const vars = Object.fromEntries(
      env
        .split(/\\\n/)
        .map((l) => l.trim().split("="))
        .map(([k, v]) => [k, v]),
    );
    for (const [k, v] of Object.entries(SERVER_ENV)) expect(vars[k], k).toBe(v);
  });

  it("sizes the Cloud Run instance above the heap limit", () => {
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(SERVER_NODE_FLAGS.join(" "))?.[1]);
    const vars = readFileSync(join(ROOT, "deploy/terraform/gcp/variables.tf"), "utf8");
    const memory = /variable "memory" \{[^}]*default\s*=\s*"(\d+)Gi"/.exec(vars)?.[1];
    expect(Number(memory) * 1024).toBeGreaterThanOrEqual(heapMb + 256);
  });
});
