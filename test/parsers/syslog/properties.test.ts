import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { syslog } from '../../../parsers/syslog/index.ts';
import { cef } from '../../../parsers/cef/index.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';
import { RECEIVED_AT } from './parse-one.ts';
import { withoutHanging } from '../../support/hang-guard.ts';
import { splicedSamples } from '../../support/spliced.ts';

// Whatever arrives, the envelope returns (never throws, never hangs) and loses nothing: the message
// it keeps is what follows the header it understood.

const FIXTURES = new URL('../../../fixtures/syslog/', import.meta.url);
const samples = readdirSync(FIXTURES)
  .filter((name) => /^(rfc5424|rfc3164|cef)-.*\.txt$/.test(name))
  .map((name) => readFileSync(new URL(name, FIXTURES), 'utf8'));

/** Per-message budget: generous for a loaded 2-core box, far below what a backtracking blow-up costs. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

const syslogChars = fc.constantFrom(
  '<', '>', '0', '1', '3', '9', ' ', ' ', '-', '[', ']', '"', '\\', '=', '@', 'T', 'Z', ':', '.', '+',
  'M', 'a', 'r', 'C', 'E', 'F', '|', '\uFEFF', '\n', '\u0000', '*', 'é',
);

const mutatedSample = splicedSamples(samples, { chars: syslogChars, maxRemove: 3, maxInsert: 3, maxEdits: 4 });
const headerPrefixed = fc.tuple(
  fc.constantFrom('', '<13>', '<13>1 ', '<165>1 2003-10-11T22:14:15.003Z h a p m ', '<13>Mar 14 10:12:13 ', '<189>12: *Mar 14 10:12:13.1: ', '<86>2025-03-14T10:12:13+01:00 '),
  fc.string({ unit: syslogChars, maxLength: 120 }),
).map(([prefix, rest]) => prefix + rest);
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: syslogChars, maxLength: 200 }),
  headerPrefixed,
  mutatedSample,
);

const timed = (parse: () => ParseResult): ParseResult => withoutHanging(parse);

function withoutTrailer(text: string): string {
  return text.replace(/[\r\n\u0000]+$/, '');
}

describe('syslog envelope properties', () => {
  const envelope = syslog([]);
  const withCef = syslog([cef]);

  test('always returns one event whose message is the tail of the input, with a sane header', () => {
    fc.assert(fc.property(anyText, (text) => {
      const result = timed(() => envelope.parse(text, { receivedAt: RECEIVED_AT }));
      assert.ok(result.ok);
      assert.equal(result.events.length, 1);
      const [event] = result.events;
      assert.equal(typeof event.message, 'string');
      assert.ok(withoutTrailer(text).endsWith(event.message!), 'message is what follows the header');
      const priority = event.log?.syslog?.priority;
      assert.ok(Number.isInteger(priority) && priority! >= 0 && priority! <= 191);
      assert.match(event['@timestamp']!, ISO_UTC);
      for (const params of Object.values(event.log?.syslog?.structured_data ?? {})) {
        for (const value of Object.values(params)) {
          assert.ok(typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')));
        }
      }
    }), { numRuns: 1500 });
  });

  test('with a body format, keeps a message or gives a failure reason with the header as partial', () => {
    const cefish = fc.tuple(fc.constantFrom('', '<13>', '<13>Mar 14 10:12:13 h ', '<13>1 - h a - - - '), fc.string({ unit: syslogChars, maxLength: 150 }))
      .map(([prefix, rest]) => `${prefix}CEF:${rest}`);
    fc.assert(fc.property(fc.oneof(anyText, cefish), (text) => {
      const result = timed(() => withCef.parse(text, { receivedAt: RECEIVED_AT }));
      if (result.ok) {
        assert.ok(result.events.length >= 1);
        for (const event of result.events) {
          assert.equal(typeof event.message, 'string');
          assert.ok(event.log?.syslog?.priority !== undefined);
        }
      } else {
        assert.ok(result.reason.length > 0);
        assert.ok(result.partial?.log?.syslog?.priority !== undefined, 'the forwarded event keeps its header');
      }
    }), { numRuns: 1000 });
  });

  test('stays linear on huge adversarial messages', () => {
    const n = 256 * 1024;
    const inputs = [
      `<13>1 - h a p m ${'['.repeat(n)}`,
      `<13>1 - h a p m [a ${'x="1" '.repeat(n / 6)}`,
      `<13>1 - h a p m [a x="${'\\'.repeat(n)}`,
      `<13>1 - h a p m ${'[a]'.repeat(n / 3)}x`,
      `<13>1 ${'-'.repeat(n)}`,
      `<13>Mar 14 10:12:13 ${'a'.repeat(n)}`,
      `<13>Mar 14 10:12:13 host ${'tag['.repeat(n / 4)}`,
      `<13>${'9'.repeat(n)}: *Mar 14 10:12:13 x`,
      ' '.repeat(n),
    ];
    for (const text of inputs) {
      const result = withoutHanging(() => withCef.parse(text, { receivedAt: RECEIVED_AT }), `${JSON.stringify(text.slice(0, 30))}…`);
      assert.ok(result.ok || result.reason);
    }
  });
});
