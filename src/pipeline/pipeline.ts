import { randomUUID } from 'node:crypto';
import type { Queue, Worker } from 'bullmq';
import { Batcher, type BatcherOptions } from './batcher.ts';
import type { Submit } from './submit.ts';
import type { DeliveryPolicy } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Sink } from '../sinks/kit/types.ts';
import { encodeRawBatch, type Payload } from './codec.ts';
import { replayDeadLetters } from './replay.ts';
import { startDeliverWorker } from './deliver-worker.ts';
import { SinkSetups } from './sink-setup.ts';
import { DeadLetterQueue } from './dlq.ts';
import { startProcessWorker } from './process-worker.ts';
import { ProcessPool } from './process-pool.ts';
import { SharedBatches } from './shared-batch.ts';
import { bullmqConnection, createRedisClient, isCluster, type RedisClient, type RedisEndpoint } from '../redis/redis-connection.ts';
import { awaitReplicas, replicaWaiter } from '../redis/replica-ack.ts';
import { DEFAULT_JOB_LOCKS, INGEST_JOB_OPTIONS, INGEST_QUEUE, keyLayout, sinkQueueName, openQueue, type JobLocks, type KeyLayout, type QueueSetup, type RawBatchJob, type SinkBatchJob } from './queues.ts';
import type { RawEvent } from '../normalize/raw-event.ts';
import { FILTER_REASONS, type FilterConfig } from './sink-filter.ts';
import { formats } from '../../parsers/index.ts';

export interface PipelineOptions {
  /** The Redis that holds every queue (redis-connection.ts). */
  redis: RedisEndpoint;
  prefix: string;
  /** A batch counts as stored once this many replicas have it (Redis WAIT) [0: once the master has it]. */
  minReplicasAck?: { replicas: number; timeoutMs: number };
  roles: { ingest: boolean; process: boolean; deliver: boolean };
  batch: BatcherOptions;
  processConcurrency: number;
  /** Worker threads for parsing and normalising; 0 runs them on the main thread. */
  processThreads: number;
  /** Old-generation heap of each process thread, MB. */
  processThreadHeapMb?: number;
  /** Every enabled sink: the process stage fans out to all of them (as their filters say); deliver workers drive them. */
  sinks: Array<{ sink: Sink; policy: DeliveryPolicy; filter?: FilterConfig }>;
  /** Job locks: how soon the jobs of a crashed process are taken over (see queues.ts). */
  jobs?: JobLocks;
  metrics: Metrics;
  logger: Logger;
  /** Given each processed batch's encoded sink payload and event count (status page, `vigil tap`). */
  onProcessed?: (payload: Payload, n: number) => void;
}

/** What the backlog looks like now: batches waiting in the fullest queue, and Redis memory use. */
export interface Backlog {
  /** Jobs waiting or delayed in the fullest queue (ingest or a sink's). */
  jobs: number;
  /** used_memory / maxmemory, or 0 when Redis has no maxmemory. */
  memoryRatio: number;
}

export interface Pipeline {
  /** Hand raw events to the batcher (ingest role). */
  submit: Submit;
  /** A plain connection for health checks, the DLQ and queue metrics. */
  redis: RedisClient;
  dlq: DeadLetterQueue;
  queues: Map<string, Queue>;
  /** Batches waiting in the fullest queue and Redis memory use; also refreshes the queue gauges. */
  measureBacklog(): Promise<Backlog>;
  /** Sinks whose setup (template, credentials) failed, with a short reason: /readyz shows them. */
  sinkProblems(): Record<string, string>;
  /** Moves up to `count` dead letters of a sink back onto its queue (after the cause was fixed). */
  replay(sink: string, count: number): Promise<number>;
  /** Stop taking work, flush in-flight batches to Redis, let workers finish their jobs, close. */
  stop(): Promise<void>;
}

/** How often the process role looks for stored batches whose release a crash interrupted (SharedBatches.sweep). */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** Wires queues and workers for the roles this process plays. The only place that builds BullMQ objects. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { metrics, logger, roles } = options;
  // BullMQ's connections of a Cluster are ours to close (redis-connection.ts bullmqConnection).
  const owned: RedisClient[] = [];
  const keys = keyLayout(options.prefix, isCluster(options.redis));
  const connection = bullmqConnection(options.redis, { maxRetriesPerRequest: null }, owned);
  const setup: QueueSetup = { connection, prefix: options.prefix, keys, locks: options.jobs ?? DEFAULT_JOB_LOCKS };
  const redis = createRedisClient(options.redis, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', (error) => logger.debug({ error }, 'Redis connection error'));
  await redis.connect();
  const dlq = new DeadLetterQueue(redis, keys);
  const batches = new SharedBatches(redis, keys);
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];

  let batcher: Batcher | undefined;
  if (roles.ingest) {
    // The listeners' writes fail fast while Redis is away, so webhooks answer 503 and TCP pauses at
    // once instead of hanging; and a write we reported as failed is never sent again behind the
    // sender's back (ioredis would by default resend it on reconnect).
    const producer = bullmqConnection(options.redis, { maxRetriesPerRequest: 1, enableOfflineQueue: false, autoResendUnfulfilledCommands: false }, owned);
    const ingest = openQueue<RawBatchJob>(keys.ingestQueue, { connection: producer, prefix: options.prefix });
    queues.set(INGEST_QUEUE, ingest);
    const replicated = options.minReplicasAck?.replicas ? awaitReplicas(ingest, options.minReplicasAck, metrics) : undefined;
    batcher = new Batcher(async (events: RawEvent[]) => {
      await ingest.add('batch', { z: encodeRawBatch(events), n: events.length }, { ...INGEST_JOB_OPTIONS, jobId: randomUUID() });
      await replicated?.();
      metrics.stored.inc(events.length);
    }, options.batch);
  }

  const sinkQueues = new Map<string, Queue<SinkBatchJob>>();
  for (const { sink } of options.sinks) {
    const queue = openQueue<SinkBatchJob>(keys.sinkQueue(sink.name), setup);
    sinkQueues.set(sink.name, queue);
    // By the untagged name: metric labels stay the same on a Cluster.
    queues.set(sinkQueueName(sink.name), queue);
  }
  // Connection errors of the queues (Redis restarting, say): BullMQ prints them to stderr when
  // nobody listens. The workers' own error events already report an outage at error level.
  for (const queue of queues.values()) queue.on('error', (error) => logger.debug({ error, queue: queue.name }, 'Queue connection error'));
  let pool: ProcessPool | undefined;
  let sweeping: NodeJS.Timeout | undefined;
  if (roles.process) {
    sweeping = setInterval(() => {
      batches.sweep().then(
        (deleted) => deleted && logger.info({ deleted }, 'Deleted stored batches that no job reads any more (their release was interrupted)'),
        (error: unknown) => logger.warn({ error }, 'Sweeping stored batches failed; it is tried again later'),
      );
    }, SWEEP_INTERVAL_MS).unref();
    const filters = Object.fromEntries(options.sinks.flatMap(({ sink, filter }) => (filter ? [[sink.name, filter]] : [])));
    pool = new ProcessPool(options.processThreads, logger, options.processThreadHeapMb, filters);
    for (const [sink] of pool.filters) metrics.initFiltered(sink, FILTER_REASONS);
    for (const format of formats.keys()) metrics.initFormat(format);
    workers.push(startProcessWorker({
      setup, sinkQueues, concurrency: options.processConcurrency, pool, redis, batches, metrics, logger, onProcessed: options.onProcessed,
      replicated: options.minReplicasAck?.replicas && isCluster(options.redis) ? sinkBatchReplicated(options.minReplicasAck, keys, redis, sinkQueues, metrics) : undefined,
    }));
  }
  const setups = new SinkSetups();
  if (roles.deliver) {
    for (const { sink, policy } of options.sinks) {
      metrics.initSink(sink.name);
      workers.push(startDeliverWorker({ setup, sink, queue: sinkQueues.get(sink.name)!, policy, dlq, batches, metrics, logger, setups }));
    }
  }

  return {
    submit: batcher ? batcher.submit : () => Promise.reject(new Error('this vigil process does not run the ingest role')),
    redis,
    dlq,
    queues,
    sinkProblems: () => setups.problems(),
    async measureBacklog() {
      let jobs = 0;
      for (const [name, queue] of queues) {
        const counts = await queue.getJobCounts('wait', 'delayed', 'prioritized');
        const depth = Object.values(counts).reduce((a, b) => a + b, 0);
        metrics.queueDepth.set({ queue: name }, depth);
        jobs = Math.max(jobs, depth);
      }
      for (const sink of sinkQueues.keys()) metrics.dlqDepth.set({ sink }, await dlq.size(sink));
      return { jobs, memoryRatio: memoryRatio(await redis.info('memory')) };
    },
    replay: (sink, count) => {
      const queue = sinkQueues.get(sink);
      return queue ? replayDeadLetters(queue, dlq, sink, { max: count }).then((r) => r.replayed) : Promise.reject(new Error(`no enabled sink named "${sink}"`));
    },
    async stop() {
      clearInterval(sweeping);
      await batcher?.drain();
      await Promise.all(workers.map((w) => w.close()));
      await pool?.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
      for (const client of owned) client.disconnect();
      redis.disconnect();
    },
  };
}

/**
 * The process stage's writes confirmed by the replicas before its raw job completes. Needed on a
 * Cluster only: there the stored batch and each sink's jobs live on other masters than the raw
 * job, and a master failing over before replicating them would lose a batch whose raw job is
 * already gone. On one master the replication stream keeps the order of the writes, so a replica
 * holding the raw job's completion holds what came before it.
 */
function sinkBatchReplicated(ack: { replicas: number; timeoutMs: number }, keys: KeyLayout, redis: RedisClient, sinkQueues: Map<string, Queue<SinkBatchJob>>, metrics: Metrics) {
  const wait = replicaWaiter(ack, metrics);
  const queues = new Map([...sinkQueues].map(([sink, queue]) => [sink, awaitReplicas(queue, ack, metrics)]));
  return async (id: string, sinks: string[]): Promise<void> => {
    await Promise.all([wait(redis, keys.batch(id)), ...sinks.map((sink) => queues.get(sink)!())]);
  };
}

/** used_memory / maxmemory from INFO memory; 0 when Redis has no memory limit. */
export function memoryRatio(info: string): number {
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
  const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1] ?? 0);
  return max > 0 ? used / max : 0;
}
