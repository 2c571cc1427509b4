import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isRawJsonNumber, jsonErrorReason, JsonTooDeep, MAX_DEPTH, parseLossless, tryParseLossless } from '../../../parsers/kit/json-lossless.ts';

const cases: { name: string; text: string; written: string }[] = [
  { name: 'keeps every digit of a nanosecond time', text: '{"evt.time":1741944413589793238}', written: '{"evt.time":1741944413589793238}' },
  { name: 'keeps a negative integer below -(2^53 - 1)', text: '[-9007199254740993]', written: '[-9007199254740993]' },
  { name: 'keeps an integer of 23 digits', text: '{"a":{"b":[12345678901234567890123]}}', written: '{"a":{"b":[12345678901234567890123]}}' },
  { name: 'leaves the largest safe integer a plain number', text: '[9007199254740991]', written: '[9007199254740991]' },
  { name: 'leaves a long digit run inside a string alone', text: '{"id":"1741944413589793238"}', written: '{"id":"1741944413589793238"}' },
  { name: 'leaves fractions and exponents as numbers', text: '[0.1,1e3,-2.5E-3]', written: '[0.1,1000,-0.0025]' },
  { name: 'ignores a leading byte order mark', text: '\uFEFF{"a":1}', written: '{"a":1}' },
];

for (const c of cases) {
  test(`parseLossless ${c.name}`, () => {
    assert.equal(JSON.stringify(parseLossless(c.text)), c.written);
  });
}

test('parseLossless hands big integers back as raw JSON numbers and small ones as numbers', () => {
  const value = parseLossless('{"big":18446744073709551615,"small":42}') as { big: unknown; small: unknown };
  assert.ok(isRawJsonNumber(value.big));
  assert.equal((value.big as { rawJSON: string }).rawJSON, '18446744073709551615');
  assert.equal(value.small, 42);
});

test('parseLossless throws on malformed JSON as JSON.parse does', () => {
  assert.throws(() => parseLossless('{"a":1741944413589793238,}'), SyntaxError);
  assert.throws(() => parseLossless(''), SyntaxError);
});

test('any integer survives a parse and a stringify digit for digit', () => {
  fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
    assert.equal(JSON.stringify(parseLossless(`{"n":[${n}]}`)), `{"n":[${n}]}`);
  }), { numRuns: 300 });
});

test('differs from JSON.parse only where JSON.parse loses digits', () => {
  fc.assert(fc.property(fc.json(), (text) => {
    const asNumbers = JSON.stringify(parseLossless(text), (_k, v) => (isRawJsonNumber(v) ? Number(v.rawJSON) : v));
    assert.equal(asNumbers, JSON.stringify(JSON.parse(text)));
  }), { numRuns: 300 });
});

const reasons: { name: string; text: string; reason: string | RegExp }[] = [
  { name: 'names the position of a missing comma', text: '{"a":1 "b":2}', reason: "invalid JSON at position 7: Expected ',' or '}' after property value" },
  { name: 'names an unterminated string', text: '"abc', reason: 'invalid JSON at position 4: Unterminated string' },
  { name: 'says so for an empty body', text: '', reason: 'invalid JSON: Unexpected end of JSON input' },
  { name: 'explains a text body without a position when V8 gives none', text: 'hello', reason: /^invalid JSON: Unexpected token 'h'/ },
];

for (const c of reasons) {
  test(`jsonErrorReason ${c.name}`, () => {
    const parsed = tryParseLossless(c.text);
    assert.equal(parsed.ok, false);
    if (typeof c.reason === 'string') assert.equal(!parsed.ok && parsed.reason, c.reason);
    else assert.match(!parsed.ok ? parsed.reason : '', c.reason);
  });
}

test('jsonErrorReason is one short line whatever the input quoted in the message', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
    const parsed = tryParseLossless(text);
    if (parsed.ok) return;
    assert.match(parsed.reason, /^invalid JSON/);
    assert.doesNotMatch(parsed.reason, /[\u0000-\u001f\u2028\u2029]/);
    assert.ok(parsed.reason.length <= 200, parsed.reason);
  }), { numRuns: 300 });
});

test('parseLossless refuses nesting deeper than MAX_DEPTH, wherever the brackets hide', () => {
  const nested = (depth: number) => `${'[{"k":'.repeat(depth / 2)}1${'}]'.repeat(depth / 2)}`;
  assert.doesNotThrow(() => parseLossless(nested(MAX_DEPTH)));
  assert.throws(() => parseLossless(nested(MAX_DEPTH + 2)), JsonTooDeep);
  const parsed = tryParseLossless(`[${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}]`);
  assert.deepEqual(parsed, { ok: false, reason: `JSON nested deeper than ${MAX_DEPTH} levels` });
});

test('parseLossless does not count brackets inside strings as nesting', () => {
  const text = JSON.stringify({ s: '['.repeat(MAX_DEPTH * 2), t: 'x\\"[{' });
  assert.deepEqual(parseLossless(text), JSON.parse(text));
});

test('the depth scan of long texts never refuses JSON within the limit, whatever its strings hold', () => {
  const padding = JSON.stringify('x'.repeat(2 * MAX_DEPTH));
  fc.assert(fc.property(fc.json(), fc.string({ unit: fc.constantFrom('"', '\\', '[', '{', 'a') }), (text, tricky) => {
    const long = `[${text},${JSON.stringify(tricky)},${padding}]`;
    const asNumbers = JSON.stringify(parseLossless(long), (_k, v) => (isRawJsonNumber(v) ? Number(v.rawJSON) : v));
    assert.equal(asNumbers, JSON.stringify(JSON.parse(long)));
  }), { numRuns: 300 });
});

test('jsonErrorReason accepts something that is not an Error', () => {
  assert.equal(jsonErrorReason('boom\nbang'), 'invalid JSON: boom bang');
});
