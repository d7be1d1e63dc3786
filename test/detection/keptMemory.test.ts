import { describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/corpus";
import { DetectionState } from "../../detection/detectionState";
import type { Detector } from "../../detection/detector";
import { allDetectors } from "../../detection/detectors";
import type { Finding } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { runDetectors } from "../../detection/runDetectors";

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

function run(detectors: Detector[], streams: unknown[][]): Finding[][] {
  return streams.map((records) => {
    const state = new DetectionState({ allowedDomains: ["example.com"], internalAccounts: ["111122223333"] });
    return records.flatMap((r) => runDetectors(detectors, normalizeRecord(r), state));
  });
}

const summary = (fs: Finding[][]) =>
  fs.map((f) => f.map((x) => `${x.detector} ${x.id} ${x.severity} ${x.summary}`));

describe("what the detection state keeps", () => {
  it("gives every detector example the findings that keeping everything gives", () => {
    const streams = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].map((ex) => [...(ex.history ?? []), ex.record]),
    );
    expect(summary(run(allDetectors, streams))).toEqual(summary(run(keepEverything, streams)));
  });

  it("gives a mixed stream the findings that keeping everything gives", () => {
    const stream = generateCorpus(4000, 7).map((l) => JSON.parse(l));
    // The examples back to back as one stream too: histories of one run into the next.
    const examples = allDetectors.flatMap((d) =>
      [...d.examples.fire, ...d.examples.quiet].flatMap((ex) => [...(ex.history ?? []), ex.record]),
    );
    const a = run(allDetectors, [stream, examples]);
    expect(a[0].length).toBeGreaterThan(0);
    expect(summary(a)).toEqual(summary(run(keepEverything, [stream, examples])));
  });
});
