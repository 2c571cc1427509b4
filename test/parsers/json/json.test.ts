import { test } from 'node:test';
import assert from 'node:assert/strict';
import { json } from '../../../parsers/json/index.ts';
import { normalized } from './property-kit.ts';
import { requireJsonDocuments } from '../../../src/webhook-routes/webhook-route.ts';

const ctx = { receivedAt: 0 };

const shapes: { name: string; body: string; count: number }[] = [
  { name: 'one object is one event', body: '{"a":1}', count: 1 },
  { name: 'a pretty-printed object spanning lines is one event, not NDJSON', body: '{\n  "a": 1,\n  "b": 2\n}\n', count: 1 },
  { name: 'an array of objects is one event per object', body: '[{"a":1},{"a":2},{"a":3}]', count: 3 },
  { name: 'NDJSON is one event per line, blank lines skipped', body: '{"a":1}\n\n{"a":2}\n', count: 2 },
  { name: 'NDJSON with CRLF line ends is one event per line', body: '{"a":1}\r\n{"a":2}\r\n', count: 2 },
  { name: 'an empty array is no event', body: '[]', count: 0 },
];

for (const c of shapes) {
  test(`json: ${c.name}`, () => {
    const result = json.parse(c.body, ctx);
    assert.ok(result.ok);
    assert.equal(result.events.length, c.count);
  });
}

test('json: each event of a batch keeps its own line or object as original; a lone object keeps the whole body', () => {
  const lines = ['{"n":1}', '{"n": 2}'];
  const ndjson = normalized('json', `${lines.join('\n')}\n`);
  assert.deepEqual(ndjson.map((e) => e.event?.original), lines);
  const array = normalized('json', '[{"n":1}, {"n":2}]');
  assert.deepEqual(array.map((e) => e.event?.original), ['{"n":1}', '{"n":2}']);
  const single = normalized('json', '{"n": 1}\n');
  assert.equal(single[0].event?.original, '{"n": 1}\n');
});

test('json: keeps the object under json.* and names the module and dataset', () => {
  const [event] = normalized('json', '{"user":"admin","nested":{"k":[1,2]}}');
  assert.deepEqual(event.json, { user: 'admin', nested: { k: [1, 2] } });
  assert.equal(event.event?.module, 'json');
  assert.equal(event.event?.dataset, 'json.log');
});

const times: { name: string; body: string; expected: string }[] = [
  { name: '@timestamp wins over timestamp and time', body: '{"@timestamp":"2025-01-01T00:00:00Z","timestamp":"2025-01-02T00:00:00Z","time":"2025-01-03T00:00:00Z"}', expected: '2025-01-01T00:00:00.000Z' },
  { name: 'timestamp wins over time', body: '{"timestamp":"2025-01-02T00:00:00Z","time":"2025-01-03T00:00:00Z"}', expected: '2025-01-02T00:00:00.000Z' },
  { name: 'time is used last', body: '{"time":"2025-01-03T00:00:00+01:00"}', expected: '2025-01-02T23:00:00.000Z' },
  { name: 'an unparsable @timestamp falls through to the next field', body: '{"@timestamp":"soon","time":1735689600}', expected: '2025-01-01T00:00:00.000Z' },
  { name: 'no date at all leaves the receive time', body: '{"time":"later"}', expected: '2025-06-03T14:07:08.123Z' },
];

for (const c of times) {
  test(`json: ${c.name}`, () => assert.equal(normalized('json', c.body)[0]['@timestamp'], c.expected));
}

const messages: { name: string; body: string; expected: string }[] = [
  { name: 'message is taken from message', body: '{"message":"from message","msg":"from msg"}', expected: 'from message' },
  { name: 'message is taken from msg when message is absent', body: '{"msg":"from msg"}', expected: 'from msg' },
  { name: 'message falls back to the item text when neither is a string', body: '{"message":42}', expected: '{"message":42}' },
];

for (const c of messages) {
  test(`json: ${c.name}`, () => assert.equal(normalized('json', c.body)[0].message, c.expected));
}

test('json: a known level name sets severity and log.level; an unknown one sets neither', () => {
  const [warn] = normalized('json', '{"level":"WARN"}');
  assert.equal(warn.event?.severity, 3);
  assert.equal(warn.log?.level, 'warning');
  const [odd] = normalized('json', '{"level":"chatty"}');
  assert.equal(odd.event?.severity, undefined);
  assert.equal(odd.log?.level, undefined);
});

test('json: integers beyond 2^53 keep every digit on the way out', () => {
  const out = JSON.stringify(normalized('json', '{"span":1741944413589793238}'));
  assert.ok(out.includes('"span":1741944413589793238'), out);
});

const failures: { name: string; body: string; reason: RegExp }[] = [
  { name: 'invalid JSON fails with the one-line reason', body: '{"a":1,}', reason: /^invalid JSON at position 7: Expected double-quoted property name$/ },
  { name: 'an empty body fails', body: '', reason: /^invalid JSON: Unexpected end of JSON input$/ },
  { name: 'a bare string fails as not an object', body: '"x"', reason: /^json body is not an object or an array of objects$/ },
  { name: 'a broken multi-line object fails once, not per line', body: '{\n"a": 1\n"b": 2\n}', reason: /^invalid JSON at position \d+: Expected ',' or '}'/ },
];

for (const c of failures) {
  test(`json: ${c.name}`, () => {
    const result = json.parse(c.body, ctx);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', c.reason);
  });
}

test('json: a bad NDJSON line becomes a tagged event while the good lines parse', () => {
  const events = normalized('json', '{"ok":1}\n{"bad":}\n7\n{"ok":2}');
  assert.deepEqual(events.map((e) => e.tags?.includes('parse_failure') ?? false), [false, true, true, false]);
  assert.match(events[1].error?.message ?? '', /^invalid JSON: Unexpected token '}'/);
  assert.equal(events[2].error?.message, 'json item is not an object');
  assert.equal(events[1].event?.original, '{"bad":}');
});

test('json: more NDJSON lines than ctx.maxEvents is one failure tagged too_many_items', () => {
  const result = json.parse('{"a":1}\n{"a":2}\n{"a":3}\nnot JSON', { receivedAt: 0, maxEvents: 3 });
  assert.deepEqual(result, {
    ok: false,
    reason: '4 JSON lines in one input, which may become at most 3 events: forwarded unsplit',
    partial: { tags: ['too_many_items'] },
  });
});

test('json: more array items than ctx.maxEvents is one failure tagged too_many_items', () => {
  const result = json.parse('[{"a":1},{"a":2}]', { receivedAt: 0, maxEvents: 1 });
  assert.ok(!result.ok);
  assert.equal(result.reason, '2 array items in one input, which may become at most 1 event: forwarded unsplit');
  assert.deepEqual(result.partial?.tags, ['too_many_items']);
});

test('json: up to ctx.maxEvents items still split, and one object is one event whatever the limit', () => {
  const lines = json.parse('{"a":1}\n{"a":2}', { receivedAt: 0, maxEvents: 2 });
  assert.ok(lines.ok);
  assert.equal(lines.events.length, 2);
  const one = json.parse('{\n  "a": 1\n}', { receivedAt: 0, maxEvents: 1 });
  assert.ok(one.ok);
  assert.deepEqual(one.events[0].json, { a: 1 });
});

test('json: a broken multi-line object under ctx.maxEvents keeps its JSON reason, not too_many_items', () => {
  const result = json.parse('{\n  "a": 1,\n}', { receivedAt: 0, maxEvents: 1 });
  assert.ok(!result.ok);
  assert.match(result.reason, /^invalid JSON/);
  assert.equal(result.partial, undefined);
});

test('json: /ingest/json counts the events the parser makes, so its 413 and event-rate limits hold at the sinks', () => {
  const bodies = [
    '{"a":1}', '{\n  "a": 1\n}\n', '[{"a":1},{"a":2},3]', '[]', '{"a":1}\n\n{"a":2}\r\n', '{"ok":1}\n{"bad":}\n7\n{"ok":2}', '7',
    '{}\n'.repeat(5), // over the cap of 4: counted without parsing its lines
  ];
  for (const body of bodies) {
    const accepted = requireJsonDocuments(body, 4);
    assert.ok('items' in accepted, body);
    assert.equal(accepted.items, normalized('json', body).length, body);
  }
});

const claims: { msg: string; claimed: boolean }[] = [
  { msg: '{"a":1}', claimed: true },
  { msg: '  \t{"a":1}', claimed: true },
  { msg: '[{"a":1}]', claimed: false },
  { msg: 'CEF:0|Vendor|Product|1|100|name|5|', claimed: false },
  { msg: 'plain text {"a":1}', claimed: false },
];

for (const c of claims) {
  test(`json: claims ${JSON.stringify(c.msg)} is ${c.claimed}`, () => assert.equal(json.claims!(c.msg, {}), c.claimed));
}
