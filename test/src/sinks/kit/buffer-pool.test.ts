import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from '../../../../src/sinks/kit/buffer-pool.ts';

test('a buffer handed back is the memory the next take() gets, sized as asked', () => {
  const pool = new BufferPool(2, 1024);
  const first = pool.take(100);
  assert.equal(first.length, 100);
  first.fill(7);
  pool.give(first);
  const second = pool.take(300);
  assert.equal(second.length, 300);
  assert.equal(second.buffer, first.buffer, 'same memory');
  assert.equal(second[99], 7);
});

test('buffers taken at the same time never share memory', () => {
  const pool = new BufferPool(2, 1024);
  const a = pool.take(10);
  pool.give(a);
  const b = pool.take(10);
  const c = pool.take(10);
  assert.notEqual(b.buffer, c.buffer);
});

test('keeps at most `keep` buffers, and never one larger than its capacity', () => {
  const pool = new BufferPool(1, 1024);
  const big = pool.take(4096);
  assert.equal(big.length, 4096);
  pool.give(big);
  const a = pool.take(10);
  const b = pool.take(10);
  assert.notEqual(a.buffer, big.buffer, 'an oversized body is not pooled');
  pool.give(a);
  pool.give(b);
  const c = pool.take(10);
  const d = pool.take(10);
  assert.equal(c.buffer, a.buffer, 'the first one handed back is kept');
  assert.notEqual(d.buffer, b.buffer, 'the second was dropped: keep is 1');
});
