import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import type { EnabledSink } from '../config/enabled-sinks.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RecentEvents } from '../admin/status-recent.ts';
import { TapHub } from '../admin/tap-hub.ts';
import { TapPublisher } from '../admin/tap-publisher.ts';
import { startPipeline, type Pipeline } from '../pipeline/pipeline.ts';
import { watchRedisAvailability } from '../redis/redis-availability.ts';
import { checkDurability, type RedisHandle } from '../redis/redis-target.ts';
import type { Cleanups } from './shutdown.ts';

export interface StagesDeps {
  roles: { ingest: boolean; process: boolean; deliver: boolean };
  sinks: EnabledSink[];
  redis: RedisHandle;
  metrics: Metrics;
  logger: Logger;
  /** The status page's latest events (process role). */
  recent?: RecentEvents;
  /** Whether an admin listener serves `vigil tap` readers (they need a hub). */
  tapReaders: boolean;
}

/**
 * The pipeline stages of this process's roles, with the sinks they drive and, around them, what
 * watches them: `vigil tap`'s publisher (process role) and hub (admin listener), Redis availability
 * and durability reports. Each part's stop goes on `cleanups`.
 */
export async function startStages(config: Config, deps: StagesDeps, cleanups: Cleanups): Promise<{ pipeline: Pipeline; tapHub?: TapHub }> {
  const { roles, metrics, logger, recent, redis } = deps;
  const sinks = deps.sinks.map(({ factory, options, policy, filter, name }) => ({
    sink: factory.create(options, { name, logger: logger.child({ sink: name }), dataDir: config.data_dir, labels: config.labels }),
    policy,
    filter,
  }));
  cleanups.push(async () => {
    await Promise.all(sinks.map(({ sink }) => sink.close?.()));
  });
  let tapPublisher: TapPublisher | undefined;
  const pipeline = await startPipeline({
    redis: redis.endpoint,
    prefix: config.redis.prefix,
    minReplicasAck: { replicas: config.redis.min_replicas_ack, timeoutMs: config.redis.min_replicas_timeout_ms },
    roles,
    batch: { maxEvents: config.batch.max_events, maxBytes: config.batch.max_bytes, maxWaitMs: config.batch.max_wait_ms },
    processConcurrency: config.process.concurrency,
    processThreads: config.process.threads,
    processThreadHeapMb: config.process.thread_heap_mb,
    sinks,
    jobs: { lockMs: config.jobs.lock_ms, stalledCheckMs: config.jobs.stalled_check_ms },
    metrics,
    logger,
    onProcessed: roles.process ? (payload, n) => {
      recent?.add(payload);
      tapPublisher?.offer(payload, n);
    } : undefined,
  });
  cleanups.push(() => pipeline.stop());
  // `vigil tap`: the process stage publishes while someone listens; any admin listener serves readers.
  const tapOptions = { prefix: config.redis.prefix, logger };
  if (roles.process) {
    const publisher = new TapPublisher(pipeline.redis, { ...tapOptions, node: `${hostname()}:${process.pid}`, sinks: deps.sinks.map(({ name, filter }) => ({ name, filter })) });
    publisher.start();
    tapPublisher = publisher;
    cleanups.push(async () => publisher.stop());
  }
  let tapHub: TapHub | undefined;
  if (deps.tapReaders) {
    const hub = new TapHub(pipeline.redis, tapOptions);
    tapHub = hub;
    cleanups.push(async () => hub.close());
  }
  cleanups.push(watchRedisAvailability(pipeline.redis, { logger, redis: redis.where }));
  await checkDurability(pipeline.redis, logger);
  return { pipeline, tapHub };
}
