import type { Config } from '../config/schema.ts';
import { createRedisClient, type RedisClient } from '../redis/redis-connection.ts';
import { openRedis, type RedisHandle } from '../redis/redis-target.ts';
import { waitForRedis } from '../redis/redis-server.ts';

/**
 * The deployment's Redis for a CLI command: the configured server, Sentinel set or Cluster, or
 * the embedded one a running vigil started. One that does not answer within 5 s is one line
 * naming it (VIGIL_ERR_REDIS_UNAVAILABLE), not a stack.
 */
export async function openCliRedis(config: Config, command: string): Promise<{ redis: RedisClient; handle: RedisHandle; close(): Promise<void> }> {
  const handle = await openRedis(config, { reuseRunning: true });
  await waitForRedis(handle.endpoint, { timeoutMs: 5_000, setBy: `${command} waits 5 s`, where: handle.where }).catch(async (error: unknown) => {
    await handle.stop();
    throw error;
  });
  const redis = createRedisClient(handle.endpoint, { maxRetriesPerRequest: 2 });
  return {
    redis,
    handle,
    async close() {
      redis.disconnect();
      await handle.stop();
    },
  };
}
