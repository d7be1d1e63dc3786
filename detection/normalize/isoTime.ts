/**
 * `new Date(s).toISOString()` for event timestamps, without the Date for the usual case: a UTC
 * time already in that form ("2026-11-02T08:00:00Z" or "…:00.123Z") whose fields are in range
 * comes back as is (with ".000" added when it has no fraction). Anything else (offsets, other
 * precisions, rolled-over days, invalid times) goes through Date exactly as before, including
 * its RangeError on an invalid time. Read character by character: a regex match allocated an
 * array and seven strings per event.
 */
export function isoTime(s: string): string {
  if (isCanonicalUtc(s)) return s.length === 24 ? s : `${s.slice(0, 19)}.000Z`;
  return new Date(s).toISOString();
}

/** Whether Date.parse reads the string as a time (`!Number.isNaN(Date.parse(s))`), cheaply for the usual form. */
export function isParsableTime(s: string): boolean {
  return isCanonicalUtc(s) || !Number.isNaN(Date.parse(s));
}

/** YYYY-MM-DDTHH:MM:SS[.sss]Z with the month, day, hour, minute and second in range. */
function isCanonicalUtc(s: string): boolean {
  const n = s.length;
  if (n !== 20 && n !== 24) return false;
  if (s.charCodeAt(n - 1) !== 90 /* Z */) return false;
  if (n === 24 && (s.charCodeAt(19) !== 46 /* . */ || !digits(s, 20, 23))) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return false;
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  if (!digits(s, 0, 4) || !digits(s, 5, 7) || !digits(s, 8, 10)) return false;
  if (!digits(s, 11, 13) || !digits(s, 14, 16) || !digits(s, 17, 19)) return false;
  const year = num(s, 0, 4);
  const month = num(s, 5, 7);
  const day = num(s, 8, 10);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    num(s, 11, 13) <= 23 &&
    num(s, 14, 16) <= 59 &&
    num(s, 17, 19) <= 59
  );
}

function digits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function num(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
