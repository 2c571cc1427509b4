import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startTestRedis } from '../../support/redis.ts';
import { startRedisServer, ioredisOptions, REDIS_MISSING_HELP } from '../../../src/redis/redis-server.ts';

test('the embedded redis-server runs with AOF, everysec fsync and noeviction', async () => {
  const redis = await startTestRedis();
  try {
    const c = redis.client();
    assert.deepEqual(await c.config('GET', 'appendonly'), ['appendonly', 'yes']);
    assert.deepEqual(await c.config('GET', 'appendfsync'), ['appendfsync', 'everysec']);
    assert.deepEqual(await c.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
    assert.ok(existsSync(join(redis.dir, 'appendonlydir')), 'AOF directory exists');
  } finally {
    await redis.destroy();
  }
});

test('a write acknowledged before a graceful stop survives a restart on the same dir', async () => {
  const redis = await startTestRedis();
  try {
    const c = redis.client();
    await c.set('survivor', '1');
    c.disconnect();
    await redis.stop();
    const again = await startRedisServer(redis.options);
    const c2 = new Redis(ioredisOptions(again.target));
    try {
      assert.equal(await c2.get('survivor'), '1');
    } finally {
      c2.disconnect();
      await again.stop();
    }
  } finally {
    await redis.destroy();
  }
});

test('a missing redis-server binary fails fast with install help', async () => {
  await assert.rejects(
    startRedisServer({ dir: join(process.env.TMPDIR ?? '/tmp', `vigil-missing-${process.pid}`), binary: 'redis-server-that-does-not-exist' }),
    (error: Error & { code?: string }) => error.code === 'VIGIL_ERR_REDIS_MISSING' && error.message.endsWith(`redis-server-that-does-not-exist: ${REDIS_MISSING_HELP}`),
  );
});
