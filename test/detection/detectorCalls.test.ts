import { describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/corpus";
import type { Detector } from "../../detection/detector";
import { allDetectors } from "../../detection/detectors";
import { normalizeRecord } from "../../detection/normalize";
import { findingLines, runStreams } from "../helpers/detectorRuns";

/**
 * runDetectors skips a detector on the calls its `calls` refuses. Findings must be the same as
 * running every detector on every event: a `calls` narrower than what match fires on would
 * silence the detector here.
 */
const seeEverything: Detector[] = allDetectors.map((d) => ({ ...d, calls: undefined }));

describe("which calls each detector sees", () => {
  it("most detectors name the calls they fire on", () => {
    expect(allDetectors.filter((d) => d.calls).length).toBeGreaterThan(allDetectors.length / 2);
  });

  it("gives every detector example the findings that running every detector gives", () => {
    const streams = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].map((ex) => [...(ex.history ?? []), ex.record]),
    );
    const a = runStreams(allDetectors, streams);
    expect(a.flat().length).toBeGreaterThan(0);
    expect(findingLines(a)).toEqual(findingLines(runStreams(seeEverything, streams)));
  });

  it("gives a mixed stream the findings that running every detector gives", () => {
    const stream = generateCorpus(4000, 11).map((l) => JSON.parse(l));
    const examples = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].flatMap((ex) => [...(ex.history ?? []), ex.record]),
    );
    const a = runStreams(allDetectors, [stream, examples]);
    expect(a[0].length).toBeGreaterThan(0);
    expect(findingLines(a)).toEqual(findingLines(runStreams(seeEverything, [stream, examples])));
  });

  it("asks a detector's calls once per call, not once per event", () => {
    let asked = 0;
    const counting: Detector[] = allDetectors.map((d) =>
      d.calls
        ? {
            ...d,
            calls: (service, action) => {
              asked++;
              return d.calls?.(service, action) ?? true;
            },
          }
        : d,
    );
    const stream = generateCorpus(2000, 5).map((l) => JSON.parse(l));
    runStreams(counting, [stream]);
    const calls = new Set(stream.map((r) => normalizeRecord(r)).map((e) => `${e.service} ${e.action}`));
    expect(asked).toBeLessThanOrEqual(calls.size * allDetectors.length);
    expect(asked).toBeGreaterThan(0);
  });
});
