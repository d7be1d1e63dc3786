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

export const detectionSection: BenchSection = {
  name: "detection",
  title: `normalize + detect + score vs JSON.parse alone, ${N.toLocaleString("en-US")} mixed events`,
  async run(log) {
    const lines = generateCorpus(N);
    const bytes = lines.reduce((a, l) => a + l.length, 0);
    log(`corpus: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB, ${allDetectors.length} detectors`);
    const parseRates: number[] = [];
    const fullRates: number[] = [];
    let findings = 0;
    let errors = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      let t0 = performance.now();
      let sink = 0;
      for (const l of lines) sink += (JSON.parse(l) as { eventTime?: string }).eventTime ? 1 : 0;
      parseRates.push(N / ((performance.now() - t0) / 1000));
      if (sink < 0) log("impossible");

      const scanner = new Scanner({ detectors: allDetectors, allowedDomains: ["example.com"] });
      findings = 0;
      errors = 0;
      t0 = performance.now();
      for (const l of lines) {
        try {
          for (const out of scanner.scanValue(JSON.parse(l))) findings += out.findings.length;
        } catch {
          errors++;
        }
      }
      fullRates.push(N / ((performance.now() - t0) / 1000));
      log(`run ${rep + 1}: parse ${parseRates[rep].toFixed(0)}/s, pipeline ${fullRates[rep].toFixed(0)}/s`);
    }
    const parse = median(parseRates);
    const full = median(fullRates);
    const ratio = full / parse;
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
        label: "pipeline rate / parse-only rate",
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
