/**
 * `new Date(s).toISOString()` for event timestamps, without the Date for the usual case: a UTC
 * time already in that form ("2026-11-02T08:00:00Z" or "…:00.123Z") whose fields are in range
 * comes back as is (with ".000" added when it has no fraction). Anything else (offsets, other
 * precisions, rolled-over days, invalid times) goes through Date exactly as before, including
 * its RangeError on an invalid time.
 */
export function isoTime(s: string): string {
  if (isCanonicalUtc(s)) return s.length === 24 ? s : `${s.slice(0, 19)}.000Z`;
  return new Date(s).toISOString();
}

/** Whether Date.parse reads the string as a time (`!Number.isNaN(Date.parse(s))`), cheaply for the usual form. */
export function isParsableTime(s: string): boolean {
  return isCanonicalUtc(s) || !Number.isNaN(Date.parse(s));
}

/**
 * YYYY-MM-DDTHH:MM:SS[.sss]Z with every field in range. A regex test without captures (no match
 * array, no substrings) checks the form; only days past the 28th need the calendar.
 */
const CANONICAL_UTC =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

export function isCanonicalUtc(s: string): boolean {
  // The record's check and then the normalizer ask about the same string in a row.
  if (s === lastCanonical) return true;
  if (!CANONICAL_UTC.test(s)) return false;
  const day = digit(s, 8) * 10 + digit(s, 9);
  if (day > 28) {
    const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
    if (day > daysInMonth(year, digit(s, 5) * 10 + digit(s, 6))) return false;
  }
  lastCanonical = s;
  return true;
}
let lastCanonical: string | undefined;

function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 48;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
