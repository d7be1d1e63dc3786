import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import { allDetectors } from "../../detection/detectors";
import { IamEventSchema } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
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

  it("refuses arbitrary JSON values clearly", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        judge(value);
      }),
      { numRuns: 300 },
    );
  });
});
