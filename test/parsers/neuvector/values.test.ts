import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseGoMap, parseInteger, splitComplianceItems, splitPaths, splitWords, typedValue } from '../../../parsers/neuvector/values.ts';

// Go's %v renderings, as neuvector/neuvector controller/common/output.go appendLogField prints
// them, back to values.

describe('NeuVector kv values', () => {
  const integers: [string, number | undefined][] = [
    ['443', 443], ['0', 0], ['-1', -1], ['1748959625', 1748959625], ['', undefined], ['-', undefined],
    [' 1', undefined], ['0x1f', undefined], ['1.5', undefined], ['12a', undefined],
  ];
  for (const [raw, expected] of integers) {
    test(`integer ${JSON.stringify(raw)} reads as ${expected}`, () => assert.equal(parseInteger(raw), expected));
  }

  test('floats read as numbers, empty and non-numeric floats are left out', () => {
    assert.equal(typedValue('float', '7.5'), 7.5);
    assert.equal(typedValue('float', '10'), 10);
    assert.equal(typedValue('float', ''), undefined);
    assert.equal(typedValue('float', 'NaN'), undefined);
  });

  test('booleans read only from true and false', () => {
    assert.equal(typedValue('bool', 'true'), true);
    assert.equal(typedValue('bool', 'false'), false);
    assert.equal(typedValue('bool', 'False'), undefined);
  });

  test('a word list splits at single spaces and drops the empty words Go prints for ""', () => {
    assert.deepEqual(typedValue('list', '[CVE-1 CVE-2]'), ['CVE-1', 'CVE-2']);
    assert.deepEqual(typedValue('list', '[]'), []);
    assert.deepEqual(splitWords(' a  b '), ['a', 'b']);
    assert.deepEqual(typedValue('list', 'SSL'), ['SSL']);
  });

  test('compliance items split before each "<test> <LEVEL> - " and keep dashes inside sentences', () => {
    assert.deepEqual(splitComplianceItems('D.1 WARN - a - b c D.2 HIGH - x K.4.2.6 NOTE - y'),
      ['D.1 WARN - a - b c', 'D.2 HIGH - x', 'K.4.2.6 NOTE - y']);
    assert.deepEqual(splitComplianceItems('free text without levels'), ['free text without levels']);
    assert.deepEqual(splitComplianceItems(''), []);
  });

  test('compliance items split where the word-by-word definition splits them, whatever the spacing', () => {
    // The definition, word by word: an item starts at a non-empty word (not the first) followed by
    // a level word (2-10 capitals) and a lone `-`.
    const byWords = (inner: string): string[] => {
      if (inner === '') return [];
      const words = inner.split(' ');
      const items: string[] = [];
      let start = 0;
      for (let i = 1; i < words.length - 2; i++) {
        if (words[i] !== '' && /^[A-Z]{2,10}$/.test(words[i + 1]) && words[i + 2] === '-') {
          items.push(words.slice(start, i).join(' '));
          start = i;
        }
      }
      items.push(words.slice(start).join(' '));
      return items.filter((item) => item !== '');
    };
    const word = fc.oneof(
      fc.constantFrom('-', 'WARN', 'HIGH', 'A', 'ABCDEFGHIJK', 'ABCDEFGHIJ', '', 'D.5.4', 'x', 'aWARN', '--', '-x'),
      fc.string({ unit: fc.constantFrom('A', 'B', 'a', '-', ' ', '.'), maxLength: 4 }),
    );
    fc.assert(fc.property(fc.array(word, { maxLength: 30 }).map((w) => w.join(' ')), (inner) => {
      assert.deepEqual(splitComplianceItems(inner), byWords(inner));
    }), { numRuns: 5_000 });
  });

  test('file names split at each " /" so names may hold spaces; relative names fall back to words', () => {
    assert.deepEqual(splitPaths('/a b/c d.txt /e,f.txt'), ['/a b/c d.txt', '/e,f.txt']);
    assert.deepEqual(splitPaths('a.txt b.txt'), ['a.txt', 'b.txt']);
    assert.deepEqual(splitPaths(''), []);
  });

  test('a Go map becomes domain/role pairs; a word without a colon continues the previous role', () => {
    assert.deepEqual(parseGoMap('map[:admin]'), [{ domain: '', role: 'admin' }]);
    assert.deepEqual(parseGoMap('map[:reader finance:custom role shop:admin]'), [
      { domain: '', role: 'reader' }, { domain: 'finance', role: 'custom role' }, { domain: 'shop', role: 'admin' },
    ]);
    assert.deepEqual(parseGoMap('map[]'), []);
    assert.equal(parseGoMap('admin'), undefined);
  });
});
