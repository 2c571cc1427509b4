import type { Config } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { waitForRedis } from '../redis/redis-server.ts';
import { openRedis, type RedisHandle } from '../redis/redis-target.ts';
import type { Cleanups } from './shutdown.ts';

/**
 * The Redis this process uses, answering: an embedded one is started (and stopped on shutdown);
 * an external one is waited for up to redis.connect_timeout_ms, a warning per retry.
 */
export async function connectRedis(config: Config, logger: Logger, cleanups: Cleanups): Promise<RedisHandle> {
  const redis = await openRedis(config);
  cleanups.push(() => redis.stop());
  if (!redis.embedded) {
    const url = redis.where;
    // The endpoint, not the URL: it has the password REDIS_PASSWORD gives a URL without one.
    await waitForRedis(redis.endpoint, {
      where: url,
      timeoutMs: config.redis.connect_timeout_ms,
      onRetry: (reason, retryInMs) => logger.warn({ redis: url, reason, retryInMs, giveUpAfterMs: config.redis.connect_timeout_ms }, 'Redis is not reachable yet: retrying'),
    });
  }
  return redis;
}
