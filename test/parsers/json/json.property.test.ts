import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { json } from '../../../parsers/json/index.ts';
import { nonBlankLines } from '../../../parsers/json/documents.ts';
import { anyText, assertOriginalKept, fixtureInputs, mutated, normalized, parseChecked } from './property-kit.ts';

const runs = { numRuns: 200 };

test('json: any text parses without throwing, in bounded time, keeping its original', () => {
  fc.assert(fc.property(anyText, (text) => {
    assertOriginalKept(text, parseChecked(json, text), normalized('json', text));
  }), runs);
});

test('json: mutated fixtures parse without throwing, keeping their original', () => {
  fc.assert(fc.property(mutated(fixtureInputs('json')), (text) => {
    assertOriginalKept(text, parseChecked(json, text), normalized('json', text));
  }), runs);
});

test('json: any array of objects gives one event per object, each holding its object', () => {
  const objects = fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 5 });
  fc.assert(fc.property(objects, (list) => {
    const result = parseChecked(json, JSON.stringify(list));
    assert.ok(result.ok);
    assert.equal(result.events.length, list.length);
    result.events.forEach((event, i) => assert.deepEqual(JSON.parse(JSON.stringify(event.json)), JSON.parse(JSON.stringify(list[i]))));
  }), runs);
});

test('json: NDJSON of any objects gives one event per line whose original is that line', () => {
  const lines = fc.array(fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o)), { minLength: 2, maxLength: 5 });
  fc.assert(fc.property(lines, (list) => {
    const events = normalized('json', list.join('\n'));
    assert.deepEqual(events.map((e) => e.event?.original), list);
  }), runs);
});

test('json: NDJSON lines are counted without splitting exactly as the split-and-trim that parses them', () => {
  const pieces = fc.constantFrom('\n', '\r', '\r\n', ' ', '\t', '\v', '\f', '\u00a0', '\u2028', '\ufeff', '\u3000', '\u0085', '{}', 'a', '\u00e9', '\ud83d\ude00');
  fc.assert(fc.property(fc.array(pieces, { maxLength: 40 }).map((list) => list.join('')), (body) => {
    const split = body.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '').length;
    assert.equal(nonBlankLines(body), split, JSON.stringify(body));
  }), { numRuns: 2000 });
});
