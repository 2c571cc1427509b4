// The `<PRI>` prefix: facility * 8 + severity (RFC 5424 §6.2.1, RFC 3164 §4.1.1).

/** Facility names by code, in the short spelling syslog.conf and rsyslog use. */
export const FACILITY_NAMES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** What a relay assumes for a message without a usable PRI: user.notice (RFC 3164 §4.3.3). */
export const DEFAULT_PRIORITY = 13;

const MAX_PRIORITY = 191;
const LT = 60, GT = 62;

/**
 * End index of a valid `<PRI>` at the start of `text` (1-3 digits, 0..191), or 0 when there is none
 * or it is unidentifiable; then the message is read as having no PRI.
 */
export function priorityEnd(text: string): number {
  if (text.charCodeAt(0) !== LT) return 0;
  let value = 0;
  let i = 1;
  for (; i <= 3; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) break;
    value = value * 10 + digit;
  }
  return i > 1 && text.charCodeAt(i) === GT && value <= MAX_PRIORITY ? i + 1 : 0;
}

/** The PRI value of a `<PRI>` that priorityEnd accepted (`end` is its result). */
export function priorityValue(text: string, end: number): number {
  if (end === 0) return DEFAULT_PRIORITY;
  let value = 0;
  for (let i = 1; i < end - 1; i++) value = value * 10 + text.charCodeAt(i) - 48; // digits, checked by priorityEnd
  return value;
}
