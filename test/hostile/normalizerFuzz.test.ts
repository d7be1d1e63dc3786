import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DetectionState } from "../../detection/detectionState";
import { allDetectors } from "../../detection/detectors";
import { IamEventSchema } from "../../detection/model";
import { normalizeRecord } from "../../detection/normalize";
import { analyzeEvent } from "../../detection/pipeline";
import { awsPublicBucketPolicyRecord, gcpPublicBucketEntry } from "../helpers/fixtures";

/**
 * The normalizers and detectors meet attacker-controlled JSON: a record either becomes a valid
 * IamEvent that every detector can judge, or is refused with an Error saying why. Never a
 * TypeError from deep inside, never a hang.
 */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [key] = entries[path[0] % entries.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = mutate(
    (value as Record<string, unknown>)[key],
    path.slice(1),
    replacement,
  );
  return copy;
}

const replacement = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.string({ maxLength: 30 }),
  fc.constant('{"Statement":[{"Effect":"Allow","Principal":"*"'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);

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
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 7 }), replacement, (where, value) => {
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
