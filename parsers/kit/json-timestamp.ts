import type { Json } from './ecs.ts';
import { isRawJsonNumber } from './json-lossless.ts';

/**
 * Timestamps as `@timestamp` carries them: RFC 3339 in UTC with a `Z`, keeping every fractional digit
 * the source gave (Falco's nanoseconds, the API server's microseconds), at least milliseconds.
 * Date would round to milliseconds, so the digits are carried as text.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** An RFC 3339 date-time with a zone (`Z` or an offset) → UTC; undefined when it is not one or not a real date. */
export function toUtcTimestamp(text: string): string | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh, om] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (hour > 23 || minute > 59 || second > 60 || Number(oh ?? 0) > 23 || Number(om ?? 0) > 59) return undefined;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  // Month 2 day 30 would roll over into March: not a real date.
  if (wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day) return undefined;
  // A leap second (…:60) is folded into the next second, as most stores do.
  wall.setUTCHours(hour, minute, second);
  const offsetMinutes = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const utc = new Date(wall.getTime() - offsetMinutes * 60_000);
  return withFraction(utc, fraction);
}

/** Nanoseconds since the epoch (as digits, e.g. Falco's evt.time) → UTC with all 9 fractional digits. */
export function fromEpochNanos(nanos: string): string | undefined {
  if (!/^\d{1,20}$/.test(nanos)) return undefined;
  const value = BigInt(nanos);
  const seconds = value / 1_000_000_000n;
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return undefined;
  return withFraction(date, String(value % 1_000_000_000n).padStart(9, '0'));
}

/**
 * A JSON value that is meant as a time: an RFC 3339 string, or an epoch number whose unit is read
 * from its size (seconds, milliseconds, microseconds or nanoseconds, as log shippers commonly guess).
 */
export function timestampFromJson(value: Json | undefined): string | undefined {
  if (typeof value === 'string') return toUtcTimestamp(value);
  const digits = isRawJsonNumber(value) ? value.rawJSON : typeof value === 'number' && value > 0 ? String(value) : undefined;
  if (digits === undefined) return undefined;
  if (/^\d{17,20}$/.test(digits)) return fromEpochNanos(digits);
  const n = Number(digits);
  if (!Number.isFinite(n)) return undefined;
  const ms = n < 1e11 ? n * 1000 : n < 1e14 ? n : n / 1000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function withFraction(date: Date, fraction: string): string | undefined {
  if (Number.isNaN(date.getTime())) return undefined;
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ, or ±YYYYYY-… outside years 0–9999
  if (iso.length !== 24) return undefined;
  return `${iso.slice(0, 19)}.${fraction.padEnd(3, '0')}Z`;
}
