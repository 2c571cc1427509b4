import type { EcsEvent } from '../kit/ecs.ts';
import { toUtcTimestamp } from '../kit/json-timestamp.ts';
import { fromName } from '../kit/severity.ts';
import { OBSERVER } from './alert.ts';

// `<time>: <Priority> <message>`: what http_output posts with json_output: false (falco outputs_http.cpp).
const LINE = /^(\S+): (Emergency|Alert|Critical|Error|Warning|Notice|Informational|Debug) /;

/**
 * What a text alert still tells, kept on the failure event: its priority (so severity routing still
 * works) and, with time_format_iso_8601, its time. The clock-only time prefix has no date: skipped.
 */
export function partialFromTextOutput(body: string): EcsEvent | undefined {
  const m = LINE.exec(body);
  if (!m) return undefined;
  const level = fromName(m[2])!;
  const event: EcsEvent = {
    event: { kind: 'alert', module: 'falco', dataset: 'falco.alerts', severity: level.severity },
    log: { level: level.level },
    observer: { ...OBSERVER },
  };
  const time = toUtcTimestamp(m[1]);
  if (time) event['@timestamp'] = time;
  return event;
}
