/**
 * One severity scale for every source. log.level uses syslog's names; event.severity is a number
 * where higher means worse (as Elastic's Falco integration does: emergency 7 ... debug 0), which is
 * 7 minus the syslog severity code.
 */
export const LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

export interface Severity { severity: number; level: Level }

/** From a syslog severity code (0 emergency ... 7 debug). */
export function fromSyslogCode(code: number): Severity {
  const c = Math.min(7, Math.max(0, Math.trunc(code)));
  return { severity: 7 - c, level: LEVELS[c] };
}

const BY_NAME: Record<string, number> = {
  emergency: 0, emergence: 0, emerg: 0, panic: 0,
  alert: 1,
  critical: 2, crit: 2,
  error: 3, err: 3,
  warning: 4, warn: 4,
  notice: 5,
  informational: 6, info: 6,
  debug: 7,
};

/** From a level name in any case and spelling the senders use (NeuVector `Warning`/`WARNING`/`EMERGENCE`, Falco `Informational`). */
export function fromName(name: string): Severity | undefined {
  const code = BY_NAME[name.trim().toLowerCase()];
  return code === undefined ? undefined : fromSyslogCode(code);
}
