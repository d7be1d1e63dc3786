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
 * YYYY-MM-DDTHH:MM:SS[.sss]Z with every field in range: the form of
 * /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/,
 * read character by character (every event's time comes through here; a regex test was most of
 * its cost). Only days past the 28th need the calendar.
 */
export function isCanonicalUtc(s: string): boolean {
  // The record's check and then the normalizer ask about the same string in a row.
  if (s === lastCanonical) return true;
  const n = s.length;
  if (n === 24) {
    if (s.charCodeAt(19) !== 46 /* . */ || s.charCodeAt(23) !== 90 /* Z */) return false;
    if (digit(s, 20) < 0 || digit(s, 21) < 0 || digit(s, 22) < 0) return false;
  } else if (n !== 20 || s.charCodeAt(19) !== 90 /* Z */) return false;
  if (
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 /* - */ ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58 /* : */
  )
    return false;
  const year = number4(s, 0);
  const month = number2(s, 5);
  const day = number2(s, 8);
  const hour = number2(s, 11);
  const minute = number2(s, 14);
  const second = number2(s, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (day > 28 && day > daysInMonth(year, month)) return false;
  lastCanonical = s;
  return true;
}
let lastCanonical: string | undefined;

/** The decimal digit at i, or -1 when it is not one (ASCII 0-9 only, as the regex's \d). */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two digits at i as a number, or -1. */
function number2(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** Four digits at i as a number, or -1. */
function number4(s: string, i: number): number {
  const a = number2(s, i);
  const b = number2(s, i + 2);
  return a < 0 || b < 0 ? -1 : a * 100 + b;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
