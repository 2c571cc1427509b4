import { scanBsdTimestamp } from '../kit/bsd-timestamp.ts';
import { isoUtc, twoDigits } from '../kit/utc-time.ts';

// CEF `rt`/`start`/`end`: epoch milliseconds, or `MMM dd yyyy HH:mm:ss[.SSS][ zone]` (ArcSight
// CEF Implementation Standard, date formats of the extension).

const SP = 32, PLUS = 43, DASH = 45, COLON = 58;
const MINUTE_MS = 60_000;
const UTC_NAMES = new Set(['Z', 'UTC', 'GMT']);

/** The time as ISO 8601 UTC, or undefined when it is in neither form (or names a zone we cannot place). */
export function cefTime(value: string, receivedAt: number): string | undefined {
  if (isAllDigits(value)) {
    const date = new Date(Number(value));
    if (Number.isNaN(date.getTime())) return undefined;
    const iso = date.toISOString(); // epoch ms: milliseconds are the precision sent
    return iso.length === 24 ? iso : undefined;
  }
  const scanned = scanBsdTimestamp(value, 0, receivedAt);
  if (scanned === undefined) return undefined;
  const offset = scanned.end === value.length ? 0 : zoneOffset(value, scanned.end + 1);
  if (Number.isNaN(offset)) return undefined;
  return isoUtc(scanned.millis - offset * MINUTE_MS, scanned.fraction);
}

function isAllDigits(value: string): boolean {
  if (value.length === 0 || value.length > 16) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Minutes east of UTC for `UTC`, `GMT`, `Z`, `±hh:mm` or `±hhmm` filling value[i..]; NaN otherwise. */
function zoneOffset(value: string, i: number): number {
  const sign = value.charCodeAt(i);
  if (sign === PLUS || sign === DASH) {
    const hours = twoDigits(value, i + 1);
    const colon = value.charCodeAt(i + 3) === COLON ? 1 : 0;
    const minutes = twoDigits(value, i + 3 + colon);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || i + 5 + colon !== value.length) return NaN;
    return (sign === PLUS ? 1 : -1) * (hours * 60 + minutes);
  }
  return value.charCodeAt(i - 1) === SP && UTC_NAMES.has(value.slice(i)) ? 0 : NaN;
}
