import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateCorpus } from "../../bench/corpus";
import { DetectionState } from "../../detection/detectionState";
import { allDetectors } from "../../detection/detectors";
import { IamEventSchema } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { AwsDetailsSchema } from "../../detection/normalize/awsDetails";
import { GcpDetailsSchema } from "../../detection/normalize/gcpDetails";
import { analyzeEvent } from "../../detection/pipeline";
import { awsPublicBucketPolicyRecord, gcpPublicBucketEntry } from "../helpers/fixtures";
import { mutate, wrongValue } from "../helpers/mutateJson";

/**
 * The normalizers and detectors meet attacker-controlled JSON: a record either becomes a valid
 * IamEvent that every detector can judge, or is refused with an Error saying why. Never a
 * TypeError from deep inside, never a hang.
 */

function judge(record: unknown): void {
  let event: ReturnType<typeof normalizeRecord>;
  try {
    event = normalizeRecord(record);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TypeError);
    expect((err as Error).message.length).toBeGreaterThan(5);
    return;
  }
  expect(IamEventSchema.safeParse(event).success).toBe(true);
  // Detectors take the normalizers' details as read (detailsReader.known): they must be what
  // their schema makes of them.
  const detailsSchema = event.source === "gcp" ? GcpDetailsSchema : AwsDetailsSchema;
  expect(detailsSchema.parse(event.details)).toEqual(event.details);
  const analysis = analyzeEvent(
    event,
    { detectors: allDetectors, state: new DetectionState({}) },
    new Date(),
  );
  expect(analysis.risk).toBeGreaterThanOrEqual(0);
  expect(analysis.risk).toBeLessThanOrEqual(100);
}

describe("normalizers and detectors under hostile records", () => {
  it.each([
    ["GCP LogEntry", () => gcpPublicBucketEntry({ insertId: "fuzz-1" })],
    ["CloudTrail record", () => awsPublicBucketPolicyRecord({ eventID: "fuzz-2" })],
  ])("%s with any field replaced stays a valid event or a clear refusal", (_name, make) => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), wrongValue, (where, value) => {
        judge(mutate(make(), where, value));
      }),
      { numRuns: 400 },
    );
  });

  it("gives every detector example and a mixed stream details their schema reads as they are", () => {
    const records = [
      ...allDetectors.flatMap((d) =>
        [...d.examples.fire, ...d.examples.quiet].flatMap((ex) => [...(ex.history ?? []), ex.record]),
      ),
      ...generateCorpus(2000, 3).map((l) => JSON.parse(l)),
    ];
    for (const r of records) judge(r);
  });

  it("refuses arbitrary JSON values clearly", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        judge(value);
      }),
      { numRuns: 300 },
    );
  });
});
