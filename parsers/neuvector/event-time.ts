import type { Fields } from './fields.ts';

/**
 * @timestamp: reported_at (RFC 3339 UTC whole seconds, `2025-06-03T14:07:05Z`) is when it happened;
 * reported_timestamp (epoch seconds) if that is unreadable. Always an ISO string with milliseconds,
 * like every other vigil timestamp.
 */
export function eventTime(nv: Fields): string | undefined {
  const at = nv.reported_at;
  if (typeof at === 'string') {
    const fast = utcSecondsToIso(at);
    if (fast) return fast;
    const parsed = Date.parse(at);
    if (isRepresentable(parsed)) return new Date(parsed).toISOString();
  }
  const seconds = nv.reported_timestamp;
  if (typeof seconds === 'number' && isRepresentable(seconds * 1000)) return new Date(seconds * 1000).toISOString();
  return undefined;
}

function isRepresentable(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/**
 * The shape NeuVector always sends, checked field by field (no Date round trip on the hot path);
 * anything else goes the slow way.
 */
function utcSecondsToIso(at: string): string | undefined {
  if (at.length !== 20 || at.charCodeAt(19) !== 90 /* Z */) return undefined;
  const year = digits(at, 0, 4);
  const month = digits(at, 5, 2);
  const day = digits(at, 8, 2);
  const hour = digits(at, 11, 2);
  const minute = digits(at, 14, 2);
  const second = digits(at, 17, 2);
  if (at[4] !== '-' || at[7] !== '-' || at[10] !== 'T' || at[13] !== ':' || at[16] !== ':') return undefined;
  // digits() is -1 for a non-digit: every field must be checked for it, not only those with a lower bound above 0.
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  return `${at.slice(0, 19)}.000Z`;
}

/** The number in text[from, from+count) when all are digits, else -1. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
