const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: past it ISO strings get a sign and six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

// Text forms of a receive time (epoch ms), made for every event: both keep what changes only once
// a second.

let cachedDay = Number.NaN;
let cachedDate = '';
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()`, several times faster for whole milliseconds in 1970-9999 (every
 * receive time): the text up to the second is kept while the second lasts, the `YYYY-MM-DDT` part
 * while the day lasts, and the rest is plain arithmetic. Anything else goes through Date.
 */
export function isoFromMillis(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const milli = ms % 1000;
  const second = (ms - milli) / 1000;
  if (second !== cachedSecond) {
    const day = Math.floor(ms / DAY_MS);
    if (day !== cachedDay) {
      cachedDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
      cachedDay = day;
    }
    let rest = second - day * (DAY_MS / 1000);
    const secondOfMinute = rest % 60;
    rest = (rest - secondOfMinute) / 60;
    const minute = rest % 60;
    const hour = (rest - minute) / 60;
    cachedPrefix = `${cachedDate}${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[secondOfMinute]}.`;
    cachedSecond = second;
  }
  return `${cachedPrefix}${THREE_DIGITS[milli]}Z`;
}

let cachedDecimalSecond = Number.NaN;
let cachedDecimalPrefix = '';

/** `String(ms)`, with the digits before the milliseconds kept while the second lasts. */
export function decimalMillis(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 1000) return String(ms);
  const milli = ms % 1000;
  const second = (ms - milli) / 1000;
  if (second !== cachedDecimalSecond) {
    cachedDecimalPrefix = String(second);
    cachedDecimalSecond = second;
  }
  return `${cachedDecimalPrefix}${THREE_DIGITS[milli]}`;
}
