import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Queue, Worker, ConnectionOptions } from 'bullmq';
import { Batcher, type BatcherOptions } from './batcher.ts';
import type { Submit } from './submit.ts';
import type { DeliveryPolicy } from '../config/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Sink } from '../sinks/kit/types.ts';
import { encodeRawBatch } from './codec.ts';
import { replayDeadLetters } from './replay.ts';
import { startDeliverWorker } from './deliver-worker.ts';
import { DeadLetterQueue } from './dlq.ts';
import { startProcessWorker } from './process-worker.ts';
import { ProcessPool } from './process-pool.ts';
import { DEFAULT_JOB_LOCKS, INGEST_JOB_OPTIONS, INGEST_QUEUE, openQueue, sinkQueueName, type JobLocks, type QueueSetup, type RawBatchJob, type SinkBatchJob } from './queues.ts';
import type { RawEvent } from '../normalize/raw-event.ts';
import { formats } from '../../parsers/index.ts';

export interface PipelineOptions {
  /** ioredis options for the Redis that holds every queue. */
  redis: Record<string, unknown>;
  prefix: string;
  roles: { ingest: boolean; process: boolean; deliver: boolean };
  batch: BatcherOptions;
  processConcurrency: number;
  /** Worker threads for parsing and normalising; 0 runs them on the main thread. */
  processThreads: number;
  /** Old-generation heap of each process thread, MB. */
  processThreadHeapMb?: number;
  /** Every enabled sink: the process stage fans out to all of them; deliver workers drive them. */
  sinks: Array<{ sink: Sink; policy: DeliveryPolicy }>;
  /** Job locks: how soon the jobs of a crashed process are taken over (see queues.ts). */
  jobs?: JobLocks;
  metrics: Metrics;
  logger: Logger;
  /** Given each processed batch's encoded sink payload (the status page's latest events). */
  onProcessed?: (payload: string) => void;
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
  redis: Redis;
  dlq: DeadLetterQueue;
  queues: Map<string, Queue>;
  /** Batches waiting in the fullest queue and Redis memory use; also refreshes the queue gauges. */
  measureBacklog(): Promise<Backlog>;
  /** Moves up to `count` dead letters of a sink back onto its queue (after the cause was fixed). */
  replay(sink: string, count: number): Promise<number>;
  /** Stop taking work, flush in-flight batches to Redis, let workers finish their jobs, close. */
  stop(): Promise<void>;
}

/** Wires queues and workers for the roles this process plays. The only place that builds BullMQ objects. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const { metrics, logger, roles } = options;
  const connection = { ...options.redis, maxRetriesPerRequest: null } as ConnectionOptions;
  const setup: QueueSetup = { connection, prefix: options.prefix, locks: options.jobs ?? DEFAULT_JOB_LOCKS };
  const redis = new Redis({ ...options.redis, maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', (error) => logger.debug({ error }, 'Redis connection error'));
  await redis.connect();
  const dlq = new DeadLetterQueue(redis, options.prefix);
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];

  let batcher: Batcher | undefined;
  if (roles.ingest) {
    // The listeners' writes fail fast while Redis is away, so webhooks answer 503 and TCP pauses at
    // once instead of hanging; and a write we reported as failed is never sent again behind the
    // sender's back (ioredis would by default resend it on reconnect).
    const producer = { ...options.redis, maxRetriesPerRequest: 1, enableOfflineQueue: false, autoResendUnfulfilledCommands: false } as ConnectionOptions;
    const ingest = openQueue<RawBatchJob>(INGEST_QUEUE, { connection: producer, prefix: options.prefix });
    queues.set(INGEST_QUEUE, ingest);
    batcher = new Batcher(async (events: RawEvent[]) => {
      await ingest.add('batch', { z: encodeRawBatch(events), n: events.length }, { ...INGEST_JOB_OPTIONS, jobId: randomUUID() });
      metrics.stored.inc(events.length);
    }, options.batch);
  }

  const sinkQueues = new Map<string, Queue<SinkBatchJob>>();
  for (const { sink } of options.sinks) {
    const queue = openQueue<SinkBatchJob>(sinkQueueName(sink.name), setup);
    sinkQueues.set(sink.name, queue);
    queues.set(queue.name, queue);
  }
  // Connection errors of the queues (Redis restarting, say): BullMQ prints them to stderr when
  // nobody listens. The workers' own error events already report an outage at error level.
  for (const queue of queues.values()) queue.on('error', (error) => logger.debug({ error, queue: queue.name }, 'Queue connection error'));
  let pool: ProcessPool | undefined;
  if (roles.process) {
    pool = new ProcessPool(options.processThreads, logger, options.processThreadHeapMb);
    for (const format of formats.keys()) metrics.initFormat(format);
    workers.push(startProcessWorker({ setup, sinkQueues, concurrency: options.processConcurrency, pool, redis, metrics, logger, onProcessed: options.onProcessed }));
  }
  if (roles.deliver) {
    for (const { sink, policy } of options.sinks) {
      metrics.initSink(sink.name);
      workers.push(startDeliverWorker({ setup, sink, queue: sinkQueues.get(sink.name)!, policy, dlq, metrics, logger }));
    }
  }

  return {
    submit: batcher ? batcher.submit : () => Promise.reject(new Error('this vigil process does not run the ingest role')),
    redis,
    dlq,
    queues,
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
      await batcher?.drain();
      await Promise.all(workers.map((w) => w.close()));
      await pool?.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
      redis.disconnect();
    },
  };
}

/** used_memory / maxmemory from INFO memory; 0 when Redis has no memory limit. */
export function memoryRatio(info: string): number {
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
  const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1] ?? 0);
  return max > 0 ? used / max : 0;
}
