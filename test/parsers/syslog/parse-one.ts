import assert from 'node:assert/strict';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import type { Format } from '../../../parsers/kit/format.ts';
import { syslog } from '../../../parsers/syslog/index.ts';

/** The receive time every syslog unit test uses (the same as the golden runner's). */
export const RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');
export const RECEIVED_ISO = new Date(RECEIVED_AT).toISOString();

/** Parses one message with the syslog envelope and returns its single event. */
export function parseOne(text: string, bodies: Format[] = [], receivedAt = RECEIVED_AT): EcsEvent {
  const result = syslog(bodies).parse(text, { receivedAt });
  assert.ok(result.ok, `expected ok, got ${JSON.stringify(result)}`);
  assert.equal(result.events.length, 1);
  return result.events[0];
}

/** log.syslog of the single event of `text`. */
export function headerOf(text: string): NonNullable<NonNullable<EcsEvent['log']>['syslog']> {
  const header = parseOne(text).log?.syslog;
  assert.ok(header, 'log.syslog missing');
  return header;
}
