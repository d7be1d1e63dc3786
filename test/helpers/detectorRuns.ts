import { DetectionState } from "../../detection/detectionState";
import type { Detector } from "../../detection/detector";
import type { Finding } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { runDetectors } from "../../detection/runDetectors";

/**
 * Runs a detector list over streams of raw records, each stream with a fresh detection state,
 * for tests that compare a variant of the detectors (keep everything, see every call) with the
 * real ones.
 */
export function runStreams(detectors: Detector[], streams: unknown[][]): Finding[][] {
  return streams.map((records) => {
    const state = new DetectionState({ allowedDomains: ["example.com"], internalAccounts: ["111122223333"] });
    return records.flatMap((r) => runDetectors(detectors, normalizeRecord(r), state));
  });
}

/** Findings as comparable lines: detector, id, severity and summary. */
export const findingLines = (fs: Finding[][]) =>
  fs.map((f) => f.map((x) => `${x.detector} ${x.id} ${x.severity} ${x.summary}`));
