import type { EcsEvent } from '../ecs.ts';
import { LEVELS } from '../severity.ts';
import type { Envelope } from './envelope.ts';
import { FACILITY_NAMES } from './priority.ts';

type SyslogFields = NonNullable<NonNullable<EcsEvent['log']>['syslog']>;

/**
 * The ECS event of a syslog message on its own: the header under log.syslog.*, the header time as
 * @timestamp (the receive time when the header has none), the MSG as message ('' when there is no
 * MSG: RFC 5424 makes it optional). Severity and log.level are left to normalize, which derives them
 * from log.syslog.severity.code.
 */
export function headerEvent(envelope: Envelope, receivedAt: number): EcsEvent {
  const facility = envelope.priority >> 3;
  const severity = envelope.priority & 7;
  const syslog: SyslogFields = {
    priority: envelope.priority,
    facility: { code: facility, name: FACILITY_NAMES[facility] },
    severity: { code: severity, name: LEVELS[severity] },
  };
  if (envelope.hostname !== undefined) syslog.hostname = envelope.hostname;
  if (envelope.appname !== undefined) syslog.appname = envelope.appname;
  if (envelope.procid !== undefined) syslog.procid = envelope.procid;
  if (envelope.msgid !== undefined) syslog.msgid = envelope.msgid;
  if (envelope.version !== undefined) syslog.version = envelope.version;
  if (envelope.structuredData !== undefined) syslog.structured_data = envelope.structuredData;

  const event: EcsEvent = {
    '@timestamp': envelope.timestamp ?? new Date(receivedAt).toISOString(),
    message: envelope.msg ?? '',
    event: { module: 'syslog', dataset: 'syslog.log' },
    log: { syslog },
  };
  if (envelope.hostname !== undefined) {
    event.host = { hostname: envelope.hostname };
    event.observer = { hostname: envelope.hostname };
  }
  return event;
}
