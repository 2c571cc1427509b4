import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineWriter } from '../../../src/pipeline/line-writer.ts';

const collect = (writer: LineWriter, lines: string[]): string =>
  writer.write((line) => lines.forEach(line), (bytes) => bytes.toString('utf8'));

test('lines come out as UTF-8, each followed by LF, however large the batch grows', () => {
  const writer = new LineWriter();
  const lines = ['plain', 'ünïcødé and 𝄞 beyond the BMP', '', 'x'.repeat(3 << 20), '日本語'.repeat(100_000)];
  assert.equal(collect(writer, lines), lines.map((l) => `${l}\n`).join(''));
});

test('a reused writer holds only the lines of the current batch', () => {
  const writer = new LineWriter();
  collect(writer, ['a long first batch '.repeat(1000)]);
  assert.equal(collect(writer, ['second']), 'second\n');
  assert.equal(collect(writer, []), '');
});

test('a batch that failed half-way leaves nothing behind for the next one', () => {
  const writer = new LineWriter();
  assert.throws(() => writer.write((line) => {
    line('half');
    throw new Error('serialisation failed');
  }, () => 'never'), /serialisation failed/);
  assert.equal(collect(writer, ['next']), 'next\n');
});
