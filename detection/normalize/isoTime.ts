/**
 * `new Date(s).toISOString()` for event timestamps, without the Date for the usual case: a UTC
 * time already in that form ("2026-11-02T08:00:00Z" or "…:00.123Z") whose fields are in range
 * comes back as is (with ".000" added when it has no fraction). Anything else (offsets, other
 * precisions, rolled-over days, invalid times) goes through Date exactly as before, including
 * its RangeError on an invalid time.
 */
const CANONICAL = /^(\d{4})-(\d\d)-(\d\d)T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{3})?Z$/;

export function isoTime(s: string): string {
  const m = CANONICAL.exec(s);
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) {
      return m[7] ? s : `${s.slice(0, 19)}.000Z`;
    }
  }
  return new Date(s).toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
