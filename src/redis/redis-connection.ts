import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { parseHostPort, type Config } from '../config/schema.ts';

/**
 * How every vigil connection reaches Redis: one server, the master of a Sentinel set, or a
 * Cluster. Every Redis client vigil makes (pipeline, BullMQ queues and workers, dlq CLI, health)
 * is built here from one endpoint, so credentials, TLS and failover handling are the same for all.
 */
export interface RedisEndpoint {
  /**
   * ioredis options of each connection: a server's address (host/port or path), or the sentinels
   * and the master set's name; credentials and TLS.
   */
  options: RedisOptions;
  /** Redis Cluster: seed nodes; `options` then apply to every node. */
  cluster?: Array<{ host: string; port: number }>;
}

export type RedisClient = Redis | Cluster;

/** Whether an endpoint is a Cluster: keys of one Lua script must then share a hash slot (queues.ts). */
export const isCluster = (endpoint: RedisEndpoint): boolean => endpoint.cluster !== undefined;

/**
 * A READONLY answer means this connection reached a replica: a master demoted by a failover that
 * the connection outlived. Reconnecting makes ioredis ask the sentinels again; the command still
 * fails (it was not applied), and its caller's retry goes to the new master.
 * https://github.com/redis/ioredis#reconnect-on-error
 */
const reconnectOnReadonly = (error: Error): 1 | false => (error.message.startsWith('READONLY') ? 1 : false);

/**
 * The endpoint the configuration names: its sentinels, its Cluster, or one server whose address
 * (and any credentials) `single` has, from redis.url. Credentials and TLS apply to all three.
 */
export function configuredEndpoint(config: Config, single: RedisOptions): RedisEndpoint {
  const { redis } = config;
  const tls = tlsOptions(config);
  const auth = { username: single.username ?? redis.username, password: single.password ?? redis.password };
  const failover = { reconnectOnError: reconnectOnReadonly };
  if (redis.sentinels.length) {
    return {
      options: {
        ...auth, ...failover, tls,
        sentinels: redis.sentinels.map((s) => parseHostPort(s)!),
        name: redis.master_name,
        sentinelUsername: redis.sentinel_username,
        sentinelPassword: redis.sentinel_password,
        // ioredis: `tls` with enableTLSForSentinelMode is for the master it was sent to,
        // sentinelTLS for the sentinels (SentinelConnector).
        enableTLSForSentinelMode: tls !== undefined,
        sentinelTLS: redis.sentinel_tls ? tls ?? {} : undefined,
        // No failoverDetector: a demoted master that still runs is told by the sentinels to
        // drop its clients (CLIENT KILL TYPE normal in Sentinel's reconfiguration), and ioredis
        // then asks them again; the detector's extra reconnect, moments after that one, left
        // BullMQ workers unable to close (ioredis 6.0, BullMQ 6.7).
        // The sentinels are asked again after each failure: 0.2 s, doubling, at most 2 s apart.
        sentinelRetryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
      },
    };
  }
  if (redis.cluster.length) {
    return { options: { ...auth, ...failover, tls }, cluster: redis.cluster.map((node) => parseHostPort(node)!) };
  }
  return { options: { ...single, ...auth, ...(tls ? { tls: { ...(single.tls as object), ...tls } } : {}), ...failover } };
}

function tlsOptions(config: Config): TlsConnectionOptions | undefined {
  const { tls, url } = config.redis;
  if (!tls.enabled && !tls.ca && !tls.cert && !url?.startsWith('rediss:')) return undefined;
  return {
    ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls.cert && tls.key ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
  };
}

/** A new client; `extra` are this client's own ioredis options (retries, lazyConnect ...). */
export function createRedisClient(endpoint: RedisEndpoint, extra: RedisOptions = {}): RedisClient {
  if (!endpoint.cluster) return new Redis({ ...endpoint.options, ...extra });
  const { lazyConnect, enableOfflineQueue, retryStrategy, ...perNode } = extra;
  const options: ClusterOptions = {
    lazyConnect, enableOfflineQueue,
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    redisOptions: { ...endpoint.options, ...perNode },
    // A failed-over slot answers MOVED or CLUSTERDOWN for a moment: ioredis retries those itself.
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
  };
  return new Cluster(endpoint.cluster, options);
}

/**
 * BullMQ's `connection` option: plain options for a server or a Sentinel set (BullMQ makes its
 * connections from them); a Cluster client for a Cluster, which BullMQ uses and duplicates but
 * never closes (shared): `owned` collects those for the caller to close.
 */
export function bullmqConnection(endpoint: RedisEndpoint, extra: RedisOptions, owned: RedisClient[]): ConnectionOptions {
  if (!endpoint.cluster) return { ...endpoint.options, ...extra } as ConnectionOptions;
  const client = createRedisClient(endpoint, extra);
  owned.push(client);
  return client as ConnectionOptions;
}

/** Where the endpoint points, for log lines: no credentials. */
export function describeEndpoint(endpoint: RedisEndpoint): string {
  const { options } = endpoint;
  if (endpoint.cluster) return `cluster ${endpoint.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (options.sentinels) return `sentinel master ${options.name} via ${options.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  if (options.path) return options.path;
  return `${options.tls ? 'rediss' : 'redis'}://${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
