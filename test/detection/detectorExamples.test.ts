import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import type { Detector, DetectorExample } from "../../detection/detector";
import { allDetectors } from "../../detection/detectors";
import { normalizeRecord } from "../../detection/normalize";
import { runDetectors } from "../../detection/runDetectors";

/** Runs one example through the whole registry, as the pipeline would, and keeps this detector's findings. */
function fire(detector: Detector, ex: DetectorExample) {
  const state = new DetectionState({
    allowedDomains: ex.context?.allowedDomains ?? ["example.com"],
    internalAccounts: ex.context?.internalAccounts ?? ["111122223333"],
  });
  for (const h of ex.history ?? []) runDetectors(allDetectors, normalizeRecord(h), state);
  return runDetectors(allDetectors, normalizeRecord(ex.record), state).filter(
    (f) => f.detector === detector.id,
  );
}

describe("detector registry", () => {
  it("has unique ids and every detector brings examples both ways", () => {
    const ids = allDetectors.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of allDetectors) {
      expect(d.examples.fire.length, `${d.id} has no firing example`).toBeGreaterThan(0);
      expect(d.examples.quiet.length, `${d.id} has no near-miss example`).toBeGreaterThan(0);
    }
  });
});

describe.each(allDetectors.map((d) => [d.id, d] as const))("detector %s", (_id, detector) => {
  it.each(detector.examples.fire.map((e) => [e.name, e] as const))("fires on: %s", (_name, ex) => {
    const findings = fire(detector, ex);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.summary.length).toBeGreaterThan(0);
      expect(f.category).toBe(detector.category);
    }
  });
  it.each(detector.examples.quiet.map((e) => [e.name, e] as const))("stays quiet on: %s", (_name, ex) => {
    expect(fire(detector, ex)).toEqual([]);
  });
});
