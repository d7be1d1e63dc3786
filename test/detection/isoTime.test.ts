import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCanonicalUtc, isoTime } from "../../detection/normalize/isoTime";

/**
 * isCanonicalUtc reads the canonical UTC form character by character; it must say exactly what
 * the regex it stands for says, with the calendar check for days past the 28th.
 */
const FORM =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

function byRegex(s: string): boolean {
  if (!FORM.test(s)) return false;
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  // Day 0 of the next month is the month's last day (setUTCFullYear takes years below 100 as they are).
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0);
  return day <= last.getUTCDate();
}

describe("isCanonicalUtc", () => {
  it.each([
    ["2026-11-02T08:00:00Z", true],
    ["2026-11-02T08:00:00.123Z", true],
    ["2024-02-29T23:59:59Z", true],
    ["2023-02-29T00:00:00Z", false],
    ["2026-04-31T00:00:00Z", false],
    ["2026-13-01T00:00:00Z", false],
    ["2026-00-01T00:00:00Z", false],
    ["2026-11-00T00:00:00Z", false],
    ["2026-11-02T24:00:00Z", false],
    ["2026-11-02T08:60:00Z", false],
    ["2026-11-02T08:00:60Z", false],
    ["2026-11-02T08:00:00.12Z", false],
    ["2026-11-02T08:00:00.1234Z", false],
    ["2026-11-02T08:00:00+00:00", false],
    ["2026-11-02 08:00:00Z", false],
    ["2026-11-02T08:00:00z", false],
    ["2026-11-02T08:00:00Z\n", false],
    ["2026-1١-02T08:00:00Z", false],
    ["", false],
  ])("%j → %s", (s, expected) => {
    expect(isCanonicalUtc(s)).toBe(expected);
  });

  it("agrees with the regex and the calendar on strings near the form", () => {
    const chars = fc.constantFrom(..."0123456789-T:.Z+ x٣".split(""));
    const nearForm = fc
      .tuple(
        fc.date({
          min: new Date("0001-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(23), chars), { maxLength: 2 }),
      )
      .map(([d, millis, edits]) => {
        let s = d.toISOString();
        if (!millis) s = `${s.slice(0, 19)}Z`;
        for (const [at, c] of edits) s = s.slice(0, at) + c + s.slice(at + 1);
        return s;
      });
    fc.assert(
      fc.property(nearForm, (s) => {
        expect(isCanonicalUtc(s)).toBe(byRegex(s));
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps canonical times as they are and normalizes the rest through Date", () => {
    expect(isoTime("2026-11-02T08:00:00Z")).toBe("2026-11-02T08:00:00.000Z");
    expect(isoTime("2026-11-02T08:00:00.123Z")).toBe("2026-11-02T08:00:00.123Z");
    expect(isoTime("2026-11-02T09:00:00+01:00")).toBe("2026-11-02T08:00:00.000Z");
  });
});
