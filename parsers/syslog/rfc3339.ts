import { fourDigits, isDigit, isoUtc, isValidUtc, twoDigits, utcMillis } from '../kit/utc-time.ts';

// RFC 3339 timestamps as RFC 5424 and the "ISO BSD" variant send them, read by index, no regex.

/** Fraction digits kept: nanoseconds, the finest Elasticsearch (date_nanos) stores. */
const MAX_FRACTION_DIGITS = 9;

const T_UPPER = 84, T_LOWER = 116, Z_UPPER = 90, Z_LOWER = 122;
const DASH = 45, COLON = 58, DOT = 46, PLUS = 43;

/** Does `text` at `pos` start like an RFC 3339 date-time (`DDDD-DD-DDT`)? Cheap detection only. */
export function looksLikeRfc3339(text: string, pos: number): boolean {
  const t = text.charCodeAt(pos + 10);
  return fourDigits(text, pos) >= 0 && text.charCodeAt(pos + 4) === DASH && twoDigits(text, pos + 5) >= 0
    && text.charCodeAt(pos + 7) === DASH && twoDigits(text, pos + 8) >= 0 && (t === T_UPPER || t === T_LOWER);
}

/**
 * The timestamp token text[start, end) as ISO 8601 UTC with the sender's fraction digits, or
 * undefined when it is not a valid date-time. Lenient where senders stray from RFC 5424: lower-case
 * `t`/`z`, more than 6 fraction digits (§6.2.3.1 calls 9 invalid; we keep up to 9), `+hhmm`, and a
 * missing offset (read as UTC).
 */
export function parseRfc3339(text: string, start: number, end: number): string | undefined {
  if (end - start < 19 || !looksLikeRfc3339(text, start)) return undefined;
  const hour = twoDigits(text, start + 11);
  const minute = twoDigits(text, start + 14);
  const second = twoDigits(text, start + 17);
  if (hour < 0 || minute < 0 || second < 0) return undefined;
  if (text.charCodeAt(start + 13) !== COLON || text.charCodeAt(start + 16) !== COLON) return undefined;

  let i = start + 19;
  let fraction = '';
  if (i < end && text.charCodeAt(i) === DOT) {
    const fractionStart = ++i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i === fractionStart) return undefined;
    fraction = text.slice(fractionStart, Math.min(i, fractionStart + MAX_FRACTION_DIGITS));
  }

  const offset = readOffset(text, i, end);
  if (Number.isNaN(offset)) return undefined;
  const year = fourDigits(text, start);
  const month = twoDigits(text, start + 5);
  const day = twoDigits(text, start + 8);
  if (!isValidUtc(year, month, day, hour, minute, second)) return undefined;
  // Already canonical UTC (NeuVector, most relays): the token is the answer once its values are
  // valid, with no Date arithmetic.
  if (i === end - 1 && text.charCodeAt(i) === Z_UPPER && text.charCodeAt(start + 10) === T_UPPER
    && i - start <= 20 + MAX_FRACTION_DIGITS) {
    return text.slice(start, end);
  }
  return isoUtc(utcMillis(year, month, day, hour, minute, second, offset), fraction);
}

/** Minutes east of UTC from `Z`, `±hh:mm`, `±hhmm` or nothing (UTC) filling text[i, end); NaN otherwise. */
function readOffset(text: string, i: number, end: number): number {
  if (i === end) return 0;
  const c = text.charCodeAt(i);
  if (c === Z_UPPER || c === Z_LOWER) return i + 1 === end ? 0 : NaN;
  if (c !== PLUS && c !== DASH) return NaN;
  const hours = twoDigits(text, i + 1);
  const colon = text.charCodeAt(i + 3) === COLON ? 1 : 0;
  const minutes = twoDigits(text, i + 3 + colon);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || i + 5 + colon !== end) return NaN;
  const total = hours * 60 + minutes;
  return c === PLUS ? total : -total;
}
