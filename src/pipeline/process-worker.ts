import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from '../telemetry/logger.ts';
import { redisErrorLevel } from '../redis/redis-availability.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { sinkJobId, sinkJobOptions, sharedWorkerOptions, type QueueSetup, type RawBatchJob, type SinkBatchJob } from './queues.ts';
import type { ProcessPool } from './process-pool.ts';
import { processEventByEvent } from './process-batch.ts';
import { dropRedeliveries } from './redeliveries.ts';
import type { RedisClient } from '../redis/redis-connection.ts';
import type { Payload } from './codec.ts';
import type { SharedBatches } from './shared-batch.ts';

export interface ProcessStageOptions {
  setup: QueueSetup;
  /** One queue per enabled sink, by sink name. */
  sinkQueues: Map<string, Queue<SinkBatchJob>>;
  concurrency: number;
  pool: ProcessPool;
  /** For the redelivery check (see redeliveries.ts). */
  redis: RedisClient;
  /** Where each sink batch is stored once for the jobs of every sink. */
  batches: SharedBatches;
  metrics: Metrics;
  logger: Logger;
  /** Sees each batch's encoded sink payload and event count after it is processed; must not block. */
  onProcessed?: (payload: Payload, n: number) => void;
  /**
   * With redis.min_replicas_ack on a Cluster: waits until the replicas have batch `id`'s stored
   * batch and its jobs for `sinks`, or throws (the raw job is then redone, not completed).
   */
  replicated?: (id: string, sinks: string[]) => Promise<void>;
}

/** One sink's job: the shared batch, and which of its events are this sink's when its filter left some out (sink-filter.ts). */
function sinkJob(batch: string, n: number, only: number[] | undefined): SinkBatchJob {
  return only === undefined ? { batch, n } : { batch, n: only.length, only };
}

/**
 * The process stage: a raw batch from Redis → parsed and normalised events → the sink batch stored
 * once (shared-batch.ts) → one job per enabled sink naming it. Runs only after the raw batch is
 * durable, so a parser bug can never lose input.
 */
export function startProcessWorker(options: ProcessStageOptions): Worker<RawBatchJob> {
  const { setup, sinkQueues, metrics, logger, pool, redis, batches } = options;
  const worker = new Worker<RawBatchJob>(
    setup.keys.ingestQueue,
    async (job: Job<RawBatchJob>) => {
      const processed = await pool.run(job.data.z).catch((error: unknown) => {
        logger.error({ error, job: job.id }, 'Processing a batch failed; processing its events one by one');
        return processEventByEvent(job.data.z, (payload) => pool.run(payload), pool.filters);
      });
      const { batch, dropped } = await dropRedeliveries(redis, setup.keys, job.id!, processed);
      if (dropped) metrics.redelivered.inc(dropped);
      for (const [format, n] of Object.entries(batch.parsed)) metrics.parsed.inc({ format }, n);
      for (const [format, n] of Object.entries(batch.failed)) metrics.parseFailed.inc({ format }, n);
      metrics.countSecurityEvents(batch.security);
      for (const [sink, reasons] of Object.entries(batch.filtered ?? {})) {
        for (const [reason, n] of Object.entries(reasons)) metrics.filtered.inc({ sink, reason }, n);
      }
      if (batch.z === undefined) return;
      options.onProcessed?.(batch.z, batch.n);
      if (!sinkQueues.size) return;
      const id = job.id!;
      // A redone job adds (and claims the batch for) only the sinks that have no job for it yet:
      // the others may be done with it already, and a claim for them would never be released.
      // A sink whose filter left out every event gets neither job nor claim.
      const targets = [...sinkQueues.keys()].filter((sink) => batch.selections?.[sink]?.length !== 0);
      const sinks = job.attemptsStarted > 1 ? (await withoutJob(sinkQueues, id)).filter((sink) => targets.includes(sink)) : targets;
      if (sinks.length) {
        await batches.store(id, batch.z, sinks);
        await Promise.all(sinks.map((sink) => sinkQueues.get(sink)!.add('batch', sinkJob(id, batch.n, batch.selections?.[sink]), sinkJobOptions(id, sink))));
      }
      // Also when a redone job wrote nothing new: its first attempt's writes may be unconfirmed.
      if (targets.length) await options.replicated?.(id, targets);
    },
    {
      connection: setup.connection,
      prefix: setup.prefix,
      concurrency: options.concurrency,
      ...sharedWorkerOptions(setup.locks),
    },
  );
  worker.on('error', (error) => logger[redisErrorLevel(error)]({ error }, 'Process worker error'));
  worker.on('failed', (job, error) => logger.error({ error, job: job?.id }, 'Process job failed; it will be retried'));
  return worker;
}

/** The sinks that never got a job for batch `id` (one added is deduplicated for FANOUT_DEDUPE_TTL_MS, completed or not). */
async function withoutJob(sinkQueues: Map<string, Queue<SinkBatchJob>>, id: string): Promise<string[]> {
  const added = await Promise.all([...sinkQueues].map(([sink, queue]) => queue.getDeduplicationJobId(sinkJobId(id, sink))));
  return [...sinkQueues.keys()].filter((_, i) => added[i] === null);
}
