import { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { openRedis, type RedisHandle } from '../pipeline/redis-target.ts';
import { waitForRedis } from '../pipeline/redis-server.ts';

/**
 * The deployment's Redis for a CLI command: REDIS_URL's, or the embedded one a running vigil
 * started. One that does not answer within 5 s is one line naming it (VIGIL_ERR_REDIS_UNAVAILABLE).
 */
export async function openCliRedis(config: Config, command: string): Promise<{ redis: Redis; handle: RedisHandle; close(): Promise<void> }> {
  const handle = await openRedis(config, { reuseRunning: true });
  await waitForRedis(handle.target, { timeoutMs: 5_000, setBy: `${command} waits 5 s` }).catch(async (error: unknown) => {
    await handle.stop();
    throw error;
  });
  const redis = new Redis({ ...handle.options, maxRetriesPerRequest: 2 });
  return {
    redis,
    handle,
    async close() {
      redis.disconnect();
      await handle.stop();
    },
  };
}
