import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startTestRedis } from '../../support/redis.ts';
import { spawnVigil } from '../../support/vigil.ts';
import { checkDurability } from '../../../src/redis/redis-target.ts';
import { createLogger } from '../../../src/telemetry/logger.ts';

/** A logger writing into an array of parsed lines. */
function capture(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

test('a Redis with AOF (everysec or always) and noeviction passes the durability check silently', async () => {
  const redis = await startTestRedis();
  try {
    const client = redis.client();
    for (const fsync of ['everysec', 'always']) {
      await client.config('SET', 'appendfsync', fsync);
      const { lines, logger } = capture();
      assert.deepEqual(await checkDurability(client, logger), []);
      assert.deepEqual(lines, []);
    }
  } finally {
    await redis.destroy();
  }
});

test('a Redis that can lose acknowledged events is named with each problem, as warnings', async () => {
  const redis = await startTestRedis();
  try {
    const client = redis.client();
    await client.config('SET', 'appendonly', 'no');
    await client.config('SET', 'appendfsync', 'no');
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const { lines, logger } = capture();
    const problems = await checkDurability(client, logger);
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /appendonly is not yes/);
    assert.match(problems[1]!, /appendfsync is no/);
    assert.match(problems[2]!, /maxmemory-policy is allkeys-lru/);
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.problem]), problems.map((p) => [40, 'Redis is not configured for durability', p]));
  } finally {
    await redis.destroy();
  }
});

test('vigil started on such a Redis warns at start and still runs', async () => {
  const redis = await startTestRedis();
  const client = redis.client();
  await client.config('SET', 'maxmemory-policy', 'volatile-lru');
  const vigil = await spawnVigil({ REDIS_URL: redis.url });
  try {
    const warnings = vigil.logs.filter((l) => l.msg === 'Redis is not configured for durability');
    assert.deepEqual(warnings.map((l) => [l.level, l.problem]),
      [[40, 'maxmemory-policy is volatile-lru: BullMQ needs noeviction or queued events can be evicted']]);
  } finally {
    assert.equal(await vigil.stop(), 0);
    await redis.destroy();
  }
});
