import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SCHEMAS, type KeySpec, type NotificationType } from '../../../parsers/neuvector/schema.ts';
import type { ParseResult } from '../../../parsers/kit/result.ts';
import { parse, syslogBody, syslogBodyNames, webhookBody } from './support.ts';
import { withoutHanging } from '../../support/hang-guard.ts';
import { splicedSamples } from '../../support/spliced.ts';

// Whatever arrives, the parser returns (never throws, never hangs) an event of module neuvector with a
// message, or a failure with a reason; and a struct printed as kv (or JSON) reads back to its values.

const timed = (text: string): ParseResult => withoutHanging(() => parse(text), `${text.length} chars`);

function assertWellFormed(result: ParseResult): void {
  if (!result.ok) {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0);
    // guarded() turns an exception into a failure named after the parser: that would be a crash.
    assert.ok(!result.reason.startsWith('neuvector: '), `the parser threw: ${result.reason}`);
    return;
  }
  assert.equal(result.events.length, 1);
  const [event] = result.events;
  assert.equal(event.event?.module, 'neuvector');
  assert.equal(typeof event.message, 'string');
  assert.ok(event.event?.dataset?.startsWith('neuvector.'));
  const ts = event['@timestamp'];
  assert.ok(ts === undefined || !Number.isNaN(Date.parse(ts)), `bad @timestamp ${ts}`);
  for (const side of [event.source, event.destination]) {
    assert.ok(side?.port === undefined || Number.isInteger(side.port));
  }
  // Elasticsearch rejects an empty field name: none may appear anywhere in the event.
  assert.ok(!JSON.stringify(event).includes('"":'), 'empty field name');
}

const samples = [
  ...syslogBodyNames().map(syslogBody),
  ...['webhook-json-invalid-01.json', 'webhook-kv-incident-01.txt', 'webhook-slack-threat-01.json', 'webhook-teams-audit-01.json']
    .map(webhookBody),
];
const nvChars = fc.constantFrom(',', '=', ' ', '[', ']', ':', '"', '{', '}', '\\', '\n', 'a', 'e', 'n', '_', '1', '0', 'é', 'map[', 'id=',
  ',message=', ',level=', ',name=', 'notification=', ',"level":"', '{"cluster":"', '> notification=');
const mutatedSample = splicedSamples(samples, { chars: nvChars, maxRemove: 40, maxInsert: 4, maxEdits: 5 });
const anyBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: nvChars, maxLength: 300 }),
  fc.constantFrom('notification=', 'notification=threat,', '{"notification": "audit", ', 'level=WARNING,cluster=',
    '{"cluster":"', '{"text":"', 'notification=event,name=')
    .chain((prefix) => fc.string({ unit: nvChars, maxLength: 300 }).map((rest) => prefix + rest)),
  mutatedSample,
);

// ---- struct round trip ---------------------------------------------------------------------------

const TYPES = Object.keys(SCHEMAS) as NotificationType[];
const textUnit = fc.constantFrom(',', '=', ' ', '[', ']', ':', '"', '\n', '<', '>', 'a', 'b', 'x', '1', 'é', '報', 'id', 'map');
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'C', '1', '-', '.', '/'), minLength: 1, maxLength: 6 });
// A path element holding " /" is where the sender is ambiguous: names are drawn without one.
const nameWord = fc.string({ unit: fc.constantFrom('a', 'b', 'C', '1', '-', '.', ' ', ','), minLength: 1, maxLength: 6 });

/** A value of a key and the typed value it must read back as, or null to leave an optional key out. */
function valueOf(spec: KeySpec, forbidden: RegExp): fc.Arbitrary<[string, unknown] | null> {
  const present: fc.Arbitrary<[string, unknown]> = (() => {
    switch (spec.kind) {
      case 'int': return fc.nat({ max: 2 ** 31 }).map((n): [string, unknown] => [String(n), n]);
      case 'float': return fc.nat({ max: 999 }).map((n): [string, unknown] => [String(n / 10), n / 10]);
      case 'bool': return fc.boolean().map((b): [string, unknown] => [String(b), b]);
      case 'list': return fc.array(word, { maxLength: 4 }).map((ws): [string, unknown] => [`[${ws.join(' ')}]`, ws]);
      case 'paths': return fc.array(nameWord.map((w) => `/d ${w}`), { maxLength: 3 }).map((ps): [string, unknown] => [`[${ps.join(' ')}]`, ps]);
      case 'items': return fc.array(word.map((w) => `D.${w.length} WARN - ensure ${w} is set`), { maxLength: 3 })
        .map((items): [string, unknown] => [`[${items.join(' ')}]`, items]);
      case 'roles': return fc.uniqueArray(fc.tuple(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 3 }), fc.constantFrom('admin', 'reader')), { selector: ([d]) => d, maxLength: 3 })
        .map((pairs) => pairs.sort(([a], [b]) => (a < b ? -1 : 1)))
        .map((pairs): [string, unknown] => [`map[${pairs.map(([d, r]) => `${d}:${r}`).join(' ')}]`, pairs.map(([domain, role]) => ({ domain, role }))]);
      case 'string': return fc.string({ unit: textUnit, maxLength: 24 }).filter((s) => !forbidden.test(s)).map((s): [string, unknown] => [s, s]);
    }
  })();
  return spec.optional ? fc.option(present, { nil: null, freq: 2 }) : present;
}

/** A struct of a type: its kv body, its JSON body and the fields both must read back as. */
const struct = fc.constantFrom(...TYPES).chain((type) => {
  const keys = SCHEMAS[type].keys.filter((k) => k.kind !== 'items' || type === 'audit');
  // A `,key=` inside a value is where the sender itself is ambiguous: values are drawn without one.
  const forbidden = new RegExp(`,(${[...keys.map((k) => k.key), '-'].join('|')})=`);
  return fc.tuple(...keys.map((spec, i) => (i === keys.length - 1 && spec.kind === 'string'
    ? fc.string({ unit: textUnit, maxLength: 40 }).map((s): [string, unknown] => [s, s]) // the last value is opaque: anything goes
    : valueOf(spec, forbidden)))).map((values) => {
    const present = keys.map((spec, i) => [spec, values[i]] as const).filter(([, v]) => v !== null) as [KeySpec, [string, unknown]][];
    const kv = `notification=${type},${present.map(([spec, [raw]]) => `${spec.key}=${raw}`).join(',')}`;
    const expected: Record<string, unknown> = { notification: type };
    const json: Record<string, unknown> = { notification: type };
    for (const [spec, [, typed]] of present) {
      expected[spec.key] = typed;
      json[spec.key] = spec.kind === 'roles'
        ? Object.fromEntries((typed as { domain: string; role: string }[]).map((g) => [g.domain, g.role]))
        : typed;
    }
    return { type, kv, json: JSON.stringify(json), expected };
  });
});

describe('NeuVector properties', () => {
  test('any input gives one well-formed neuvector event or a failure reason, within the time budget', () => {
    fc.assert(fc.property(anyBody, (text) => assertWellFormed(timed(text))), { numRuns: 1500 });
  });

  test('a struct printed as kv reads back to exactly its values', () => {
    fc.assert(fc.property(struct, ({ kv, expected }) => {
      const result = timed(kv);
      assert.ok(result.ok);
      assert.deepEqual(result.events[0].neuvector, expected);
    }), { numRuns: 600 });
  });

  test('a struct printed as JSON gives the same event as printed as kv', () => {
    fc.assert(fc.property(struct, ({ kv, json }) => {
      const fromKv = timed(kv);
      const fromJson = timed(json);
      assert.ok(fromKv.ok && fromJson.ok);
      assert.deepEqual(fromJson.events, fromKv.events);
    }), { numRuns: 300 });
  });

  const pathological: [string, string][] = [
    ['many unknown keys after a number', `notification=incident,id=1,count=1${',x=1'.repeat(20_000)}`],
    ['a value of commas only', `notification=incident,id=${','.repeat(80_000)}`],
    ['every required key missing before a long message', `notification=threat,id=1,client_workload_id=1,severity=1,count=1,icmp_type=1,application=1,monitor=1,message=${'a,'.repeat(40_000)}`],
    ['one repeated key', `notification=threat,${'id=,'.repeat(20_000)}`],
    ['a huge compliance list', `notification=audit,critical_vul_cnt=0,high_vul_cnt=0,medium_vul_cnt=0,message=,items=[${'A WARN - b '.repeat(20_000)}]`],
    ['invalid JSON with many struct starts', `{"cluster":"a"${',"name":"x'.repeat(5_000)}`],
  ];
  for (const [name, body] of pathological) {
    test(`${name} (${body.length} chars) parses within the time budget`, () => assertWellFormed(timed(body)));
  }
});
