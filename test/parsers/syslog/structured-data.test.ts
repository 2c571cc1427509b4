import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { scanStructuredData } from '../../../parsers/syslog/structured-data.ts';

describe('structured data scanning', () => {
  const valid: { name: string; text: string; data: object }[] = [
    { name: 'reads one element with several params', text: '[a@1 x="1" y="two words"]', data: { 'a@1': { x: '1', y: 'two words' } } },
    { name: 'decodes the three escapes \\" \\\\ \\]', text: '[a@1 v="q\\"b\\\\c\\]"]', data: { 'a@1': { v: 'q"b\\c]' } } },
    { name: 'keeps a backslash before any other character', text: '[a@1 v="C:\\temp\\n"]', data: { 'a@1': { v: 'C:\\temp\\n' } } },
    { name: 'keeps an unescaped ] inside quotes (invalid, seen in practice)', text: '[a@1 v="x]y"]', data: { 'a@1': { v: 'x]y' } } },
    { name: 'reads an element without params', text: '[meta]', data: { meta: {} } },
    { name: 'reads an empty PARAM-VALUE', text: '[a@1 v=""]', data: { 'a@1': { v: '' } } },
    { name: 'gathers a PARAM-NAME repeated three times into an array', text: '[o ip="1" ip="2" ip="3"]', data: { o: { ip: ['1', '2', '3'] } } },
    { name: 'reads elements concatenated without separators', text: '[a x="1"][b y="2"][c]', data: { a: { x: '1' }, b: { y: '2' }, c: {} } },
    { name: 'merges a repeated SD-ID (invalid) instead of dropping one', text: '[a x="1"][a x="2" y="3"]', data: { a: { x: ['1', '2'], y: '3' } } },
    { name: 'tolerates several spaces between params', text: '[a x="1"   y="2"]', data: { a: { x: '1', y: '2' } } },
  ];
  for (const c of valid) {
    test(c.name, () => {
      const scanned = scanStructuredData(`${c.text} rest`, 0);
      assert.ok(scanned);
      assert.deepEqual(scanned.data, c.data);
      assert.equal(scanned.end, c.text.length, 'ends right after the last ]');
    });
  }

  const invalid: { name: string; text: string }[] = [
    { name: 'rejects an element that never closes', text: '[a x="1"' },
    { name: 'rejects a value that never closes', text: '[a x="1]' },
    { name: 'rejects an unquoted value', text: '[a x=1]' },
    { name: 'rejects a param without =', text: '[a x]' },
    { name: 'rejects an empty SD-ID', text: '[ x="1"]' },
    { name: 'rejects a trailing backslash in a value', text: '[a x="1\\' },
    { name: 'rejects text that does not start with [', text: 'a x="1"]' },
  ];
  for (const c of invalid) {
    test(c.name, () => assert.equal(scanStructuredData(c.text, 0), undefined));
  }

  test('keeps __proto__ as a plain field name, never a prototype', () => {
    const scanned = scanStructuredData('[__proto__ __proto__="x" polluted="1"]', 0);
    assert.ok(scanned);
    assert.deepEqual(Object.keys(scanned.data), ['__proto__']);
    assert.deepEqual(JSON.parse(JSON.stringify(scanned.data)), JSON.parse('{"__proto__":{"__proto__":"x","polluted":"1"}}'));
    assert.equal(Object.getPrototypeOf(scanned.data), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
