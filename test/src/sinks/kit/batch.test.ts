import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkBySize } from '../../../../src/sinks/kit/batch.ts';

const size = (text: string) => text.length;

test('keeps items in order and every group within the byte budget', () => {
  const items = ['aaa', 'bb', 'cccc', 'd', 'ee', 'fff'];
  const chunks = chunkBySize(items, size, 5);
  assert.deepEqual(chunks.flat(), items);
  for (const chunk of chunks) assert.ok(chunk.reduce((sum, item) => sum + item.length, 0) <= 5);
  assert.deepEqual(chunks, [['aaa', 'bb'], ['cccc', 'd'], ['ee', 'fff']]);
});

test('sends an item larger than the budget alone rather than dropping it', () => {
  assert.deepEqual(chunkBySize(['a', 'bbbbbbbb', 'c'], size, 4), [['a'], ['bbbbbbbb'], ['c']]);
});

test('returns no groups for no items', () => {
  assert.deepEqual(chunkBySize([], size, 10), []);
});
