import { describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/corpus";
import type { Detector } from "../../detection/detector";
import { allDetectors } from "../../detection/detectors";
import { findingLines, runStreams } from "../helpers/detectorRuns";

/**
 * The state keeps for recentByActor and seenBefore only the events some detector declares it
 * reads back (`keeps`, `remembers`). Findings must be the same as keeping every event: a
 * detector that forgot to declare what it reads would go quiet here.
 */
const keepEverything: Detector[] = allDetectors.map((d) => ({
  ...d,
  keeps: () => true,
  remembers: () => true,
}));

describe("what the detection state keeps", () => {
  it("gives every detector example the findings that keeping everything gives", () => {
    const streams = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].map((ex) => [...(ex.history ?? []), ex.record]),
    );
    expect(findingLines(runStreams(allDetectors, streams))).toEqual(
      findingLines(runStreams(keepEverything, streams)),
    );
  });

  it("gives a mixed stream the findings that keeping everything gives", () => {
    const stream = generateCorpus(4000, 7).map((l) => JSON.parse(l));
    // The examples back to back as one stream too: histories of one run into the next.
    const examples = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].flatMap((ex) => [...(ex.history ?? []), ex.record]),
    );
    const a = runStreams(allDetectors, [stream, examples]);
    expect(a[0].length).toBeGreaterThan(0);
    expect(findingLines(a)).toEqual(findingLines(runStreams(keepEverything, [stream, examples])));
  });
});
