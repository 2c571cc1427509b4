import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs } from '../../../src/pipeline/backoff.ts';
import { redisErrorBackoff } from '../../../src/pipeline/queues.ts';

const policy = { initial_backoff_ms: 500, max_backoff_ms: 60_000 };

test('delivery backoff: full jitter under a cap that doubles per attempt up to the maximum', () => {
  assert.deepEqual([1, 2, 3, 8, 9, 30].map((attempt) => backoffMs(attempt, policy, 0, () => 1)), [500, 1000, 2000, 60_000, 60_000, 60_000]);
  assert.equal(backoffMs(5, policy, 0, () => 0), 0, 'full jitter reaches down to zero');
  assert.equal(backoffMs(5, policy, 0, () => 0.5), 4000);
});

test("delivery backoff: a backend's Retry-After is a floor", () => {
  assert.equal(backoffMs(1, policy, 7_000, () => 0.1), 7_000);
  assert.equal(backoffMs(9, policy, 7_000, () => 1), 60_000);
});

test('a job redone after a Redis error waits 0.2 s, doubling, never more than 30 s', () => {
  assert.deepEqual([1, 2, 3, 4].map(redisErrorBackoff), [200, 400, 800, 1600]);
  assert.equal(redisErrorBackoff(20), 30_000);
  assert.equal(redisErrorBackoff(999), 30_000);
});
