import { Scanner } from "../../bin/scan";
import { allDetectors } from "../../detection/detectors";
import { generateCorpus } from "../corpus";
import type { BenchSection } from "../section";
import { median } from "../section";

/**
 * Detection throughput: normalize + detect + score over a generated corpus of mixed
 * CloudTrail and GCP audit events, beside JSON.parse alone on the same lines in the same run.
 */
const N = 100_000;
const REPEATS = 5;
/** Lines per side-by-side block. */
const BLOCK = 5_000;

export const detectionSection: BenchSection = {
  name: "detection",
  title: `normalize + detect + score vs JSON.parse alone, ${N.toLocaleString("en-US")} mixed events`,
  async run(log) {
    const lines = generateCorpus(N);
    const bytes = lines.reduce((a, l) => a + l.length, 0);
    log(`corpus: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB, ${allDetectors.length} detectors`);
    const parseRates: number[] = [];
    const fullRates: number[] = [];
    const ratios: number[] = [];
    let findings = 0;
    let errors = 0;
    let sink = 0;
    // An untimed pass first (a fresh Scanner over the whole corpus): the timed runs then measure
    // compiled code, not the JIT warming up and the reference data loading on first use.
    const warm = new Scanner({ detectors: allDetectors, allowedDomains: ["example.com"] });
    for (const line of lines) {
      try {
        sink += warm.scanValue(JSON.parse(line)).length;
      } catch {
        // Counted in the timed runs.
      }
    }
    for (let rep = 0; rep < REPEATS; rep++) {
      // Side by side in blocks: each block of lines is timed parse-only and through the pipeline
      // back to back (alternating which goes first), so a noisy neighbour on this shared machine
      // slows both alike instead of whichever loop it happened to land on.
      const scanner = new Scanner({ detectors: allDetectors, allowedDomains: ["example.com"] });
      findings = 0;
      errors = 0;
      let parseMs = 0;
      let fullMs = 0;
      for (let from = 0, block = 0; from < N; from += BLOCK, block++) {
        const to = Math.min(N, from + BLOCK);
        const parseOnly = () => {
          const t0 = performance.now();
          for (let i = from; i < to; i++)
            sink += (JSON.parse(lines[i]) as { eventTime?: string }).eventTime ? 1 : 0;
          parseMs += performance.now() - t0;
        };
        const pipeline = () => {
          const t0 = performance.now();
          for (let i = from; i < to; i++) {
            try {
              for (const out of scanner.scanValue(JSON.parse(lines[i]))) findings += out.findings.length;
            } catch {
              errors++;
            }
          }
          fullMs += performance.now() - t0;
        };
        if (block % 2 === 0) {
          parseOnly();
          pipeline();
        } else {
          pipeline();
          parseOnly();
        }
      }
      parseRates.push(N / (parseMs / 1000));
      fullRates.push(N / (fullMs / 1000));
      ratios.push(parseMs / fullMs);
      log(
        `run ${rep + 1}: parse ${parseRates[rep].toFixed(0)}/s, pipeline ${fullRates[rep].toFixed(0)}/s, ratio ${ratios[rep].toFixed(3)}`,
      );
    }
    if (sink < 0) log("impossible");
    const parse = median(parseRates);
    const full = median(fullRates);
    const ratio = median(ratios);
    const rssMb = process.resourceUsage().maxRSS / 1024;
    return [
      { key: "detection.events", value: N, label: "events in the corpus (half CloudTrail, half GCP)" },
      {
        key: "detection.parse_per_s",
        value: Math.round(parse),
        unit: "events/s",
        label: "JSON.parse only (median)",
      },
      {
        key: "detection.pipeline_per_s",
        value: Math.round(full),
        unit: "events/s",
        label: "JSON.parse + normalize + detect + score (median)",
      },
      {
        key: "detection.ratio_vs_parse",
        value: Number(ratio.toFixed(3)),
        label:
          "pipeline rate / parse-only rate, each run timed side by side in blocks of 5,000 lines (median of the runs)",
        target: ">= 0.5",
        pass: ratio >= 0.5,
      },
      { key: "detection.findings", value: findings, label: "findings raised over the corpus (last run)" },
      {
        key: "detection.errors",
        value: errors,
        label: "lines that failed to normalize",
        target: "0",
        pass: errors === 0,
      },
      {
        key: "detection.peak_rss_mb",
        value: Math.round(rssMb),
        unit: "MB",
        label: "peak resident memory of the bench process",
      },
    ];
  },
};
