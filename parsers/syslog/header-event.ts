import type { EcsEvent } from '../kit/ecs.ts';
import { LEVELS } from '../kit/severity.ts';
import type { Envelope } from './envelope.ts';
import { FACILITY_NAMES } from './priority.ts';
import { isCiscoMnemonic } from './rfc3164.ts';

type SyslogFields = NonNullable<NonNullable<EcsEvent['log']>['syslog']>;

/**
 * The ECS event of a syslog message on its own: the header under log.syslog.*, the header time as
 * @timestamp (the receive time when the header has none), the MSG as message ('' when there is no
 * MSG: RFC 5424 makes it optional), APP-NAME and PROCID also as process.name/pid. Severity and
 * log.level are left to normalize, which derives them from log.syslog.severity.code.
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
  // The sending program as ECS process.*, beside log.syslog.appname/procid, as Elastic's syslog
  // parsing fills both: process views and rules then find syslog events too. A Cisco mnemonic
  // (`%ASA-6-302021`) in the TAG position is a message id, not a program.
  if (envelope.appname !== undefined && !isCiscoMnemonic(envelope.appname)) {
    event.process = { name: envelope.appname };
    const pid = processId(envelope.procid);
    if (pid !== undefined) event.process.pid = pid;
  }
  return event;
}

/** PROCID as a number when it is one (RFC 5424 allows any printable text there). */
function processId(procid: string | undefined): number | undefined {
  if (procid === undefined || procid.length > 15 || !/^\d+$/.test(procid)) return undefined;
  return Number(procid);
}
