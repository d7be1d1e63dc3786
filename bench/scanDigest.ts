import { createHash } from "node:crypto";
import { Scanner } from "../bin/scan";
import { DetectionState } from "../detection/detectionState";
import { allDetectors } from "../detection/detectors";
import { normalizeRecord } from "../detection/normalize";
import { analyzeEvent } from "../detection/pipeline";
import { extractAnyRecords } from "../handlers/envelopes";
import { generateCorpus } from "./corpus";

/**
 * `npx tsx bench/scanDigest.ts [N]`: digests of what the pipeline answers over the detection
 * bench's corpus, to compare before and after a performance change. `scan` digests the
 * Scanner's output lines; `analysis` digests every normalized event (without raw) and its full
 * analysis (finding ids and evidence, risk factors), as JSON with object keys sorted, so equal
 * answers give equal digests whatever order an object's keys were built in.
 */
const n = Number(process.argv[2] ?? 100_000);
const lines = generateCorpus(n);

/** JSON with every object's keys sorted. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

const scanner = new Scanner({ detectors: allDetectors, allowedDomains: ["example.com"] });
const scan = createHash("sha256");
let findings = 0;
let errors = 0;
for (const line of lines) {
  try {
    for (const out of scanner.scanValue(JSON.parse(line))) {
      findings += out.findings.length;
      scan.update(`${canonical(out)}\n`);
    }
  } catch (err) {
    errors++;
    scan.update(`error ${(err as Error).message}\n`);
  }
}

const state = new DetectionState({ allowedDomains: ["example.com"] });
const now = new Date("2026-11-03T00:00:00Z");
const analysis = createHash("sha256");
for (const line of lines) {
  for (const r of extractAnyRecords(JSON.parse(line))) {
    const normalized = normalizeRecord(r.record);
    const { raw: _raw, ...event } = normalized;
    const a = analyzeEvent(normalized, { detectors: allDetectors, state }, now);
    analysis.update(
      `${canonical({ event, findings: a.findings, risk: a.risk, factors: a.factors, silenced: a.silenced })}\n`,
    );
  }
}

console.log(
  JSON.stringify({
    events: n,
    findings,
    errors,
    scan: scan.digest("hex").slice(0, 16),
    analysis: analysis.digest("hex").slice(0, 16),
  }),
);
