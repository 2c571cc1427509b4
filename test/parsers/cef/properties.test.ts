import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { cef } from '../../../parsers/cef/index.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';
import { withoutHanging } from '../../support/hang-guard.ts';
import { splicedSamples } from '../../support/spliced.ts';
import { IndexMapping } from '../../support/doubles/elasticsearch-mapping.ts';
import { CEF_KEYS } from '../../../parsers/cef/dictionary.ts';
import { indexTemplate } from '../../../src/sinks/elasticsearch/template.ts';
import { templatePatterns } from '../../../src/sinks/elasticsearch/data-stream.ts';

// Whatever follows `CEF:`, the parser returns (never throws, never hangs) either events that keep a
// message, or a failure with a reason.

const RECEIVED_AT = Date.parse('2025-06-03T14:07:08.123Z');
const samples = ['cef-escaping', 'cef-falco-alert-in-rfc3164']
  .map((name) => readFileSync(new URL(`../../../fixtures/syslog/${name}.txt`, import.meta.url), 'utf8'));

const cefChars = fc.constantFrom('|', '\\', '=', ' ', ' ', 'a', 'k', '1', '0', 'C', 'E', 'F', ':', 'n', 'r', '_', '.', '[', ']', '\n', 'é');
const mutatedSample = splicedSamples(samples, { chars: cefChars, maxRemove: 3, maxInsert: 3, maxEdits: 4 });
const anyCef = fc.oneof(
  fc.string({ unit: cefChars, maxLength: 200 }).map((rest) => `CEF:${rest}`),
  fc.tuple(fc.array(fc.string({ unit: cefChars, maxLength: 8 }), { minLength: 7, maxLength: 7 }), fc.string({ unit: cefChars, maxLength: 150 }))
    .map(([fields, extension]) => `CEF:${fields.join('|')}|${extension}`),
  fc.string({ unit: 'binary', maxLength: 200 }).map((rest) => `CEF:${rest}`),
  fc.string({ unit: 'binary', maxLength: 100 }),
  mutatedSample,
);

const timed = (parse: () => ParseResult): ParseResult => withoutHanging(parse);

describe('CEF properties', () => {
  test('returns events with a message and module cef, or a failure reason', () => {
    fc.assert(fc.property(anyCef, (text) => {
      const result = timed(() => cef.parse(text, { receivedAt: RECEIVED_AT }));
      if (!result.ok) {
        assert.match(result.reason, /^cef: /);
        return;
      }
      assert.equal(result.events.length, 1);
      const [event] = result.events;
      assert.equal(typeof event.message, 'string');
      assert.equal(event.event?.module, 'cef');
      const port = event.source?.port;
      assert.ok(port === undefined || (Number.isInteger(port) && port >= 0 && port <= 65_535));
    }), { numRuns: 1500 });
  });

  test('a well-formed header always parses and decodes back to the fields it encodes', () => {
    const escape = (field: string) => field.replaceAll('\\', '\\\\').replaceAll('|', '\\|');
    const field = fc.string({ unit: cefChars, maxLength: 8 });
    fc.assert(fc.property(fc.array(field, { minLength: 6, maxLength: 6 }), fc.string({ unit: cefChars, maxLength: 100 }), (fields, extension) => {
      const result = cef.parse(`CEF:${fields.map(escape).join('|')}|${extension}`, { receivedAt: RECEIVED_AT });
      assert.ok(result.ok, JSON.stringify(result));
      const record = result.events[0].cef as { version: string; device: { vendor: string; event_class_id: string }; name: string };
      assert.deepEqual([record.version, record.device.vendor, record.device.event_class_id, record.name], [fields[0], fields[1], fields[4], fields[5]]);
    }), { numRuns: 500 });
  });

  test('whatever values dictionary keys hold, the event fits the index template (nothing Elasticsearch would reject)', () => {
    const properties = indexTemplate(templatePatterns()).template.mappings.properties;
    const keys = fc.constantFrom(...CEF_KEYS.keys());
    const values = fc.oneof(
      fc.string({ unit: cefChars, maxLength: 12 }),
      fc.integer().map(String),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.double().map(String),
      fc.ipV4(), fc.ipV6(),
      fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => String(d.getTime())),
      fc.constantFrom('Mar 14 2025 09:26:53', 'Mar 14 09:26:53.5 UTC', 'Feb 30 2025 10:00:00', '0x1F', '1e3', ' 5', '-0', 'NaN'),
    );
    const pair = fc.tuple(keys, values).map(([key, value]) => `${key}=${value.replaceAll('\\', '\\\\').replaceAll('=', '\\=').replaceAll('\n', '\\n')}`);
    fc.assert(fc.property(fc.array(pair, { maxLength: 12 }), (pairs) => {
      const result = cef.parse(`CEF:0|V|P|1|id|n|5|${pairs.join(' ')}`, { receivedAt: RECEIVED_AT });
      assert.ok(result.ok, JSON.stringify(result));
      const doc = JSON.parse(JSON.stringify(result.events[0]));
      const error = new IndexMapping(properties).check(doc, 'property');
      assert.equal(error, undefined, error?.reason);
    }), { numRuns: 1500 });
  });

  test('stays linear on huge adversarial messages', () => {
    const n = 256 * 1024;
    const inputs = [
      `CEF:${'\\|'.repeat(n / 2)}`,
      `CEF:0|a|b|c|d|e|5|${'k=v '.repeat(n / 4)}`,
      `CEF:0|a|b|c|d|e|5|${'a='.repeat(n / 2)}`,
      `CEF:0|a|b|c|d|e|5|msg=${'\\'.repeat(n)}`,
      `CEF:0|a|b|c|d|e|5|msg=${' '.repeat(n)}x=1`,
      `CEF:0|a|b|c|d|e|5|${'x'.repeat(n)}=1`,
      `${' '.repeat(n)}CEF:0|a|b|c|d|e|5|`,
    ];
    for (const text of inputs) {
      const result = withoutHanging(() => cef.parse(text, { receivedAt: RECEIVED_AT }), `${JSON.stringify(text.slice(0, 30))}…`);
      assert.ok(result.ok || result.reason);
    }
  });
});
