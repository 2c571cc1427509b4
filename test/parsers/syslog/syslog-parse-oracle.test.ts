import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import syslogParse, { type Syslog } from 'syslog-parse';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { parseOne, RECEIVED_AT } from './parse-one.ts';

// syslog-parse 2.0.0 as an independent oracle for the one form it reads correctly: a BSD line with
// a <PRI>, `Mmm dd hh:mm:ss`, a HOSTNAME and a TAG (RFC 3164 §4.1). On those, vigil's header parser
// must agree with it on priority, facility, severity, host, app name, pid, time and message.
//
// Where the two differ on purpose (docs/sources/syslog.md, "Why vigil parses syslog itself"), the difference is
// asserted as such, so a change on either side shows here:
// - the year: syslog-parse always takes the current one; vigil takes the one before when the
//   date would be over a day in the future (a `Dec 31` line received on Jan 1);
// - no <PRI>: syslog-parse reads priority 0 (kern.emerg); vigil assumes user.notice, 13, as a
//   relay must (RFC 3164 §4.3.3);
// - `CEF:0|…` after the HOSTNAME: syslog-parse takes `CEF` for a TAG; vigil requires a TAG's colon
//   to be followed by a space, so the whole `CEF:0|…` stays the message for the CEF parser;
// - names: syslog-parse spells severities `emerg`/`crit`/`err` and facilities 13-15 `logaudit`,
//   `logalert`, `clock`; vigil writes ECS log.syslog names (`emergency`, `critical`, `error`) and
//   rsyslog's facility names, so only the codes are compared;
// - syslog-parse trims the message; vigil keeps the content as sent after the TAG's `: `.
// syslog-parse reads no RFC 5424 line (it has no VERSION, STRUCTURED-DATA or RFC 3339 time), nor
// the ISO BSD or Cisco ASA forms: those fixtures are only checked to be still beyond it.

const FIXTURES = new URL('../../../fixtures/syslog/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.txt`, FIXTURES), 'utf8');

// syslog-parse reads the time zone and the current date when it parses: pin both, so its "now" is
// the receive time every syslog unit test uses (Node.js applies a change of TZ at once).
const zone = process.env.TZ;
before(() => {
  process.env.TZ = 'UTC';
  mock.timers.enable({ apis: ['Date'], now: RECEIVED_AT });
});
after(() => {
  mock.timers.reset();
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** What vigil's header parser read from `text`, in syslog-parse's terms. */
function vigilView(event: EcsEvent) {
  const header = event.log?.syslog;
  assert.ok(header, 'log.syslog missing');
  return {
    priority: header.priority,
    facilityCode: header.facility?.code,
    severityCode: header.severity?.code,
    host: header.hostname ?? '',
    process: header.appname,
    pid: header.procid === undefined ? undefined : Number(header.procid),
    message: event.message,
  };
}

/** syslog-parse's fields that vigil must match, and its time without the clock's milliseconds. */
function oracleView(parsed: Syslog) {
  const { priority, facilityCode, severityCode, host, process, pid, message } = parsed;
  const time = new Date(parsed.time);
  time.setUTCMilliseconds(0);
  return { fields: { priority, facilityCode, severityCode, host, process, pid, message }, time: time.getTime() };
}

/** Asserts agreement on every field, the year rule included. */
function assertAgrees(text: string): void {
  const parsed = syslogParse(text);
  assert.ok(parsed, `syslog-parse did not read ${JSON.stringify(text)}`);
  const event = parseOne(text);
  const oracle = oracleView(parsed);
  assert.deepEqual(vigilView(event), oracle.fields);
  const expected = new Date(oracle.time);
  if (oracle.time > RECEIVED_AT + DAY_MS) expected.setUTCFullYear(expected.getUTCFullYear() - 1);
  assert.equal(event['@timestamp'], expected.toISOString().replace('.000Z', 'Z'));
}

describe('vigil and syslog-parse agree on plain BSD lines', () => {
  for (const name of ['rfc3164-rfc-example', 'rfc3164-tag-with-pid', 'rfc3164-no-hostname']) {
    test(`fixture ${name}`, () => assertAgrees(fixture(name)));
  }

  test('the RFC 3164 example is placed a year earlier by vigil (Oct 11 would be in the future)', () => {
    const text = fixture('rfc3164-rfc-example');
    assert.equal(syslogParse(text)?.time.getUTCFullYear(), 2025);
    assert.equal(parseOne(text)['@timestamp'], '2024-10-11T22:14:15Z');
  });

  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  const line = fc.record({
    priority: fc.integer({ min: 0, max: 191 }),
    month: fc.integer({ min: 0, max: 11 }),
    // 1-28: syslog-parse sets the month before the day, so a 31st would roll into the next month.
    day: fc.integer({ min: 1, max: 28 }),
    zeroPadded: fc.boolean(),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    host: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,15}(\.[a-z0-9-]{1,10}){0,3}$/),
    tag: fc.stringMatching(/^[A-Za-z0-9_./()-]{1,32}$/),
    pid: fc.option(fc.integer({ min: 1, max: 4_194_304 }), { nil: undefined }),
    // Printable ASCII, neither starting nor ending with a space (syslog-parse trims).
    message: fc.stringMatching(/^[!-~]([ -~]{0,200}[!-~])?$/),
  }).map((l) => {
    const day = l.zeroPadded ? two(l.day) : String(l.day).padStart(2, ' ');
    const tag = l.pid === undefined ? l.tag : `${l.tag}[${l.pid}]`;
    return `<${l.priority}>${MONTHS[l.month]} ${day} ${two(l.hour)}:${two(l.minute)}:${two(l.second)} ${l.host} ${tag}: ${l.message}`;
  });

  test('generated lines with every priority, date, host, tag, pid and message', () => {
    fc.assert(fc.property(line, (text) => assertAgrees(text)), { numRuns: 2000 });
  });
});

describe('where they differ on purpose', () => {
  test('no <PRI>: syslog-parse reads kern.emerg, vigil user.notice (RFC 3164 §4.3.3)', () => {
    const text = fixture('rfc3164-no-pri');
    assert.equal(syslogParse(text)?.priority, 0);
    const vigil = vigilView(parseOne(text));
    assert.deepEqual([vigil.priority, vigil.facilityCode, vigil.severityCode], [13, 1, 5]);
    assert.equal(vigil.host, syslogParse(text)?.host);
    assert.equal(vigil.process, syslogParse(text)?.process);
  });

  test('CEF after the HOSTNAME: syslog-parse takes CEF for a TAG, vigil keeps it in the message', () => {
    const text = fixture('cef-falco-alert-in-rfc3164');
    const parsed = syslogParse(text);
    assert.equal(parsed?.process, 'CEF');
    const vigil = vigilView(parseOne(text));
    assert.equal(vigil.process, undefined);
    assert.equal(vigil.host, parsed?.host);
    assert.ok(vigil.message?.startsWith('CEF:0|Falcosecurity|Falco|'));
  });

  test('the message: syslog-parse trims it, vigil keeps it as sent', () => {
    const text = '<13>Mar 14 10:12:13 web01 sudo[4242]:    alice : TTY=pts/0 ';
    assert.equal(syslogParse(text)?.message, 'alice : TTY=pts/0');
    assert.equal(parseOne(text).message, '   alice : TTY=pts/0 ');
  });

  const beyond = readdirSync(FIXTURES)
    .filter((name) => /^(rfc5424-|neuvector-|rfc3164-(iso|cisco))/.test(name) && name.endsWith('.txt'))
    .map((name) => name.slice(0, -'.txt'.length));
  test(`syslog-parse reads none of the ${beyond.length} RFC 5424, NeuVector, ISO BSD and Cisco ASA fixtures; vigil reads their headers`, () => {
    assert.ok(beyond.length >= 40);
    for (const name of beyond) {
      const text = fixture(name).split('\n')[0]!;
      assert.equal(syslogParse(text), undefined, name);
      assert.notEqual(parseOne(text).log?.syslog?.priority, undefined, name);
    }
  });
});
