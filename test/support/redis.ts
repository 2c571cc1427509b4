import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, ioredisOptions, type RunningRedis, type RedisServerOptions } from '../../src/redis/redis-server.ts';

/**
 * A real, isolated redis-server for one test file: free TCP port, its own temp dir, AOF on.
 * Never the machine's shared Redis.
 */
export interface TestRedis extends RunningRedis {
  dir: string;
  options: RedisServerOptions;
  url: string;
  client(): Redis;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

export async function startTestRedis(extra: Partial<RedisServerOptions> = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const options: RedisServerOptions = { dir, port: 0, ...extra };
  const server = await startRedisServer(options);
  const url = 'url' in server.target ? server.target.url : server.target.path;
  const clients: Redis[] = [];
  return {
    ...server,
    dir,
    options,
    url,
    client() {
      const c = new Redis({ ...ioredisOptions(server.target), maxRetriesPerRequest: null });
      clients.push(c);
      return c;
    },
    async destroy() {
      for (const c of clients) c.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One redis-server shared by every test of a file: started before the first test, destroyed after
 * the last. Read `redis` and `client` inside tests (they are set once the server is up).
 */
export function testRedisPerFile(): { redis: TestRedis; client: Redis } {
  const live = {} as { redis: TestRedis; client: Redis };
  before(async () => {
    live.redis = await startTestRedis();
    live.client = live.redis.client();
  });
  after(() => live.redis.destroy());
  return live;
}

/** A test redis-server that can be stopped (gracefully or by SIGKILL) and started again on the same port and AOF. */
export interface RestartableRedis {
  url: string;
  dir: string;
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again: same port, same data dir, so it loads the same AOF. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startRestartableRedis(extra: Partial<RedisServerOptions> = {}): Promise<RestartableRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const options: RedisServerOptions = { dir, port: await freePort(), ...extra };
  let server = await startRedisServer(options);
  return {
    url: `redis://127.0.0.1:${options.port}`,
    dir,
    stop: (signal) => (signal === 'SIGKILL' ? server.kill() : server.stop()),
    async start() {
      server = await startRedisServer(options);
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
