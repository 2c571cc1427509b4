/**
 * Event times as backends want them, computed from the ISO 8601 text without losing digits:
 * Loki takes a string of epoch nanoseconds, Splunk epoch seconds with millisecond decimals.
 * Date.parse alone would cut Falco's nanoseconds to milliseconds, hence BigInt.
 */

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/i;
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Epoch nanoseconds of an ISO 8601 time (no zone = UTC), or undefined when it is not one. */
export function epochNanos(iso: string): bigint | undefined {
  const match = ISO.exec(iso);
  if (match) {
    const [, wholeSeconds, fraction = '', zone = 'Z'] = match;
    const offset = zone.toUpperCase() === 'Z' || zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const ms = Date.parse(`${wholeSeconds}${offset}`);
    if (Number.isNaN(ms)) return undefined;
    return BigInt(ms) * NS_PER_MS + BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * NS_PER_MS;
}

/** Epoch seconds with three decimals ("1741944413.589"), the precision Splunk indexes. */
export function epochSecondsText(nanos: bigint): string {
  const seconds = nanos / NS_PER_S;
  const millis = (nanos % NS_PER_S) / NS_PER_MS;
  return `${seconds}.${millis.toString().padStart(3, '0')}`;
}
