import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.ts';
import { VigilError } from '../../../src/config/errors.ts';
import { requireSharedRedis } from '../../../src/admin/node-guards.ts';

test('a split role needs a shared Redis: a URL, sentinels or a cluster; role all may run on the embedded one', () => {
  const config = (role: string, redis: Record<string, unknown> = {}) => configSchema.parse({ role, redis });
  for (const role of ['ingest', 'process', 'deliver']) {
    assert.throws(() => requireSharedRedis(config(role)), (error: VigilError) => error.code === 'VIGIL_ERR_REDIS_NOT_SHARED' && error.exitStatus === 2 && error.message.includes(`role ${role} (VIGIL_ROLE)`));
    requireSharedRedis(config(role, { url: 'redis://redis:6379' }));
    requireSharedRedis(config(role, { sentinels: ['s1:26379'], master_name: 'vigil' }));
    requireSharedRedis(config(role, { cluster: ['c1:6379'] }));
  }
  requireSharedRedis(config('all'));
});
