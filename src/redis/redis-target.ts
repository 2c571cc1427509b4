import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { configuredEndpoint, describeEndpoint, type RedisClient, type RedisEndpoint } from './redis-connection.ts';
import { ioredisOptions, maskRedisUrl, startRedisServer, TARGET_FILE, type RedisTarget } from './redis-server.ts';

export interface RedisHandle {
  /** How every connection reaches Redis (redis-connection.ts). */
  endpoint: RedisEndpoint;
  /** The single server's address (redis.url or the embedded server); undefined for Sentinel and Cluster. */
  target?: RedisTarget;
  /** Where it is, for log lines: no credentials. */
  where: string;
  embedded: boolean;
  /** Stops the embedded server if this handle started it. */
  stop(): Promise<void>;
}

export const embeddedDir = (config: Config): string => join(config.data_dir, 'redis');

/**
 * The Redis vigil uses: the Sentinel set's master or the Cluster the config names, REDIS_URL's
 * server, or an embedded redis-server under data_dir/redis. With `reuseRunning`, an embedded
 * server already started by a running vigil is used as it is (the CLI's dlq commands); otherwise
 * vigil starts its own.
 */
export async function openRedis(config: Config, options: { reuseRunning?: boolean } = {}): Promise<RedisHandle> {
  const external = (target: { url: string } | undefined, single: Record<string, unknown>): RedisHandle => {
    const endpoint = configuredEndpoint(config, single);
    return { endpoint, target, where: target ? maskRedisUrl(target.url) : describeEndpoint(endpoint), embedded: false, stop: async () => undefined };
  };
  if (config.redis.sentinels.length || config.redis.cluster.length) return external(undefined, {});
  // A password kept apart from the URL (REDIS_PASSWORD_FILE: a mounted Secret) fills in for a URL without one.
  if (config.redis.url) return external({ url: config.redis.url }, ioredisOptions({ url: config.redis.url }));
  const dir = embeddedDir(config);
  const running = join(dir, TARGET_FILE);
  if (options.reuseRunning && existsSync(running)) {
    const target = JSON.parse(readFileSync(running, 'utf8')) as RedisTarget;
    if (await answers(target)) return { endpoint: { options: ioredisOptions(target) }, target, where: describeTarget(target), embedded: false, stop: async () => undefined };
  }
  const server = await startRedisServer({ dir, socket: true, binary: config.redis.server_binary, startTimeoutMs: config.redis.connect_timeout_ms });
  return { endpoint: { options: ioredisOptions(server.target) }, target: server.target, where: describeTarget(server.target), embedded: true, stop: () => server.stop() };
}

const describeTarget = (target: RedisTarget): string => ('url' in target ? maskRedisUrl(target.url) : target.path);

async function answers(target: RedisTarget): Promise<boolean> {
  const client = new Redis({ ...ioredisOptions(target), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * BullMQ needs keys never evicted and vigil promises acknowledged events survive a Redis restart:
 * both depend on the Redis configuration, which we check and report rather than assume.
 */
export async function checkDurability(redis: RedisClient, logger: Logger): Promise<string[]> {
  const problems: string[] = [];
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, fsync] = (await redis.config('GET', 'appendfsync')) as string[];
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (appendonly !== 'yes') problems.push('appendonly is not yes: events acknowledged to senders are lost if Redis restarts');
    if (fsync !== 'everysec' && fsync !== 'always') problems.push(`appendfsync is ${fsync}: use everysec or always`);
    if (policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}: BullMQ needs noeviction or queued events can be evicted`);
  } catch (error) {
    problems.push(`could not read the Redis configuration (${(error as Error).message}); make sure AOF is on and maxmemory-policy is noeviction`);
  }
  for (const problem of problems) logger.warn({ problem }, 'Redis is not configured for durability');
  return problems;
}
