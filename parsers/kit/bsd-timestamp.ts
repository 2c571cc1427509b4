import { fourDigits, isDigit, twoDigits, utcMillis } from './utc-time.ts';

// The RFC 3164 TIMESTAMP `Mmm dd hh:mm:ss` and the variants seen in practice: space- or zero-padded
// day, a year inside (Cisco ASA `Mar 14 2025 10:12:13`), milliseconds (Cisco IOS `10:12:13.123`),
// and a colon right after the time (both Cisco forms). No zone: read as UTC.

const SP = 32, COLON = 58, DOT = 46;
const DAY_MS = 86_400_000;
const MAX_FRACTION_DIGITS = 9;

/** Month number by its three lower-cased letters packed into one integer. */
const MONTHS = new Map<number, number>(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
    .map((name, index) => [packLower(name, 0), index + 1]),
);

function packLower(text: string, i: number): number {
  return ((text.charCodeAt(i) | 32) << 16) | ((text.charCodeAt(i + 1) | 32) << 8) | (text.charCodeAt(i + 2) | 32);
}

export interface BsdTimestamp {
  /** Epoch milliseconds of the whole second, read as UTC. */
  millis: number;
  /** Fraction digits as sent ('' when none). */
  fraction: string;
  /** Index after the timestamp (and its Cisco colon): a SP or the end of the text. */
  end: number;
}

/** Starts `text` at `pos` with a month abbreviation? Cheap detection only. */
export function looksLikeBsdTimestamp(text: string, pos: number): boolean {
  return MONTHS.has(packLower(text, pos)) && text.charCodeAt(pos + 3) === SP;
}

/**
 * Reads a BSD timestamp at `pos`. Without a year, the year is the receive year, or the one before
 * when that would put the time more than a day after the receive time (a Dec 31 message received on
 * Jan 1). Undefined when the text is not such a timestamp or names an impossible time. A timestamp
 * followed by anything but SP or the end of the text is not one either.
 */
export function scanBsdTimestamp(text: string, pos: number, receivedAt: number): BsdTimestamp | undefined {
  const month = MONTHS.get(packLower(text, pos));
  if (month === undefined || text.charCodeAt(pos + 3) !== SP) return undefined;
  let i = pos + 4;
  if (text.charCodeAt(i) === SP) i++; // space-padded day
  let day = text.charCodeAt(i) - 48;
  if (!(day >= 0 && day <= 9)) return undefined;
  i++;
  if (isDigit(text.charCodeAt(i))) day = day * 10 + text.charCodeAt(i++) - 48;
  if (text.charCodeAt(i++) !== SP) return undefined;

  let year = -1;
  if (fourDigits(text, i) >= 0 && text.charCodeAt(i + 4) === SP) {
    year = fourDigits(text, i);
    i += 5;
  }
  const hour = twoDigits(text, i);
  const minute = twoDigits(text, i + 3);
  const second = twoDigits(text, i + 6);
  if (hour < 0 || minute < 0 || second < 0) return undefined;
  if (text.charCodeAt(i + 2) !== COLON || text.charCodeAt(i + 5) !== COLON) return undefined;
  i += 8;

  let fraction = '';
  if (text.charCodeAt(i) === DOT && isDigit(text.charCodeAt(i + 1))) {
    const fractionStart = ++i;
    while (isDigit(text.charCodeAt(i))) i++;
    fraction = text.slice(fractionStart, Math.min(i, fractionStart + MAX_FRACTION_DIGITS));
  }
  if (text.charCodeAt(i) === COLON) i++;
  if (i < text.length && text.charCodeAt(i) !== SP) return undefined;

  const millis = year >= 0
    ? utcMillis(year, month, day, hour, minute, second, 0)
    : inferYear(month, day, hour, minute, second, receivedAt);
  return Number.isNaN(millis) ? undefined : { millis, fraction, end: i };
}

function inferYear(month: number, day: number, hour: number, minute: number, second: number, receivedAt: number): number {
  const year = new Date(receivedAt).getUTCFullYear();
  const millis = utcMillis(year, month, day, hour, minute, second, 0);
  // NaN here is Feb 29 outside a leap year: only the previous year(s) can have meant it.
  if (!Number.isNaN(millis) && millis <= receivedAt + DAY_MS) return millis;
  return utcMillis(year - 1, month, day, hour, minute, second, 0);
}
