import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retry, tooLarge, type AttemptResult } from '../../../../src/sinks/kit/outcome.ts';
import { sendBatch } from '../../../../src/sinks/kit/send-batch.ts';
import { OK, type Outcome } from '../../../../src/sinks/kit/types.ts';

function describe(outcomes: Outcome[]): string[] {
  return outcomes.map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}:${o.reason}`));
}

test('halves a group the backend refuses as too large until it fits, keeping item order', async () => {
  const attempts: number[][] = [];
  const outcomes = await sendBatch([1, 2, 3, 4, 5], {
    sizeOf: () => 1,
    maxBytes: 100,
    attempt: async (group): Promise<AttemptResult> => {
      attempts.push(group);
      return group.length > 2 ? tooLarge('413') : group.map(() => OK);
    },
  });
  assert.deepEqual(describe(outcomes), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.deepEqual(attempts, [[1, 2, 3, 4, 5], [1, 2, 3], [1, 2], [3], [4, 5]]);
});

test('dead-letters a single item that is still too large, and sends the others', async () => {
  const outcomes = await sendBatch(['a', 'HUGE', 'b'], {
    sizeOf: () => 1,
    maxBytes: 100,
    attempt: async (group) => (group.includes('HUGE') ? tooLarge('413 body') : group.map(() => OK)),
  });
  assert.deepEqual(describe(outcomes), ['ok', 'dead:too_large', 'ok']);
  assert.equal((outcomes[1] as { detail: string }).detail, '413 body');
});

test('stops sending once a request fails as a whole and gives the unsent the same retry', async () => {
  const attempts: string[][] = [];
  const outcomes = await sendBatch(['a', 'b', 'c', 'd', 'e', 'f'], {
    sizeOf: () => 1,
    maxBytes: 2,
    attempt: async (group) => {
      attempts.push(group);
      return attempts.length === 2 ? group.map(() => retry('unavailable', 5000, '503')) : group.map(() => OK);
    },
  });
  assert.deepEqual(attempts, [['a', 'b'], ['c', 'd']]);
  assert.deepEqual(describe(outcomes), ['ok', 'ok', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable']);
  assert.equal((outcomes[5] as { afterMs: number }).afterMs, 5000);
});

test('keeps sending after a request with a partial failure', async () => {
  let calls = 0;
  const outcomes = await sendBatch(['a', 'b', 'c', 'd'], {
    sizeOf: () => 1,
    maxBytes: 2,
    attempt: async (group) => {
      calls++;
      return [retry('rate_limited'), ...group.slice(1).map(() => OK)];
    },
  });
  assert.equal(calls, 2);
  assert.deepEqual(describe(outcomes), ['retry:rate_limited', 'ok', 'retry:rate_limited', 'ok']);
});

test('refuses an attempt that answers for the wrong number of items', async () => {
  await assert.rejects(sendBatch([1, 2], { sizeOf: () => 1, maxBytes: 10, attempt: async () => [OK] }), /1 outcomes for 2 items/);
});
