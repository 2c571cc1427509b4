// Calendar fields → ISO 8601 UTC text, keeping the sender's fraction digits as written (a Date holds
// only milliseconds, so the fraction is carried as text beside it). Shared by the syslog timestamps
// and CEF's `rt`.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MINUTE_MS = 60_000;
// Date.UTC maps years 0..99 to 1900..1999; 400 Gregorian years are exactly 146,097 days.
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of a wall-clock time at a UTC offset (minutes east of UTC), or NaN when a field
 * is out of range (Feb 30, hour 24, second 60: RFC 5424 forbids leap seconds).
 */
export function utcMillis(
  year: number, month: number, day: number,
  hour: number, minute: number, second: number, offsetMinutes: number,
): number {
  if (!isValidUtc(year, month, day, hour, minute, second)) return NaN;
  const wall = year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, second) - FOUR_CENTURIES_MS
    : Date.UTC(year, month - 1, day, hour, minute, second);
  return wall - offsetMinutes * MINUTE_MS;
}

/** Are these calendar fields a time utcMillis can give (years 0000-9999, no Feb 30, hour 24 or leap second)? */
export function isValidUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  return !(day > monthDays || hour > 23 || minute > 59 || second > 59);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` for whole-second epoch milliseconds; `fraction` is the digit
 * text to append (empty: none). Undefined when the instant falls outside years 0000..9999.
 */
export function isoUtc(wholeSecondMillis: number, fraction: string): string | undefined {
  if (Number.isNaN(wholeSecondMillis)) return undefined;
  const iso = new Date(wholeSecondMillis).toISOString();
  if (iso.length !== 24) return undefined; // '+010000-…' or '-000001-…'
  return fraction === '' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${fraction}Z`;
}

/** Two ASCII digits at `i` as a number, or -1. */
export function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Four ASCII digits at `i` as a number, or -1. */
export function fourDigits(text: string, i: number): number {
  const high = twoDigits(text, i);
  const low = twoDigits(text, i + 2);
  return high < 0 || low < 0 ? -1 : high * 100 + low;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
