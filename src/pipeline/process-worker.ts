import { Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from '../observability/logger.ts';
import { redisErrorLevel } from './redis-availability.ts';
import type { Metrics } from '../observability/metrics.ts';
import { sinkJobOptions, sharedWorkerOptions, type QueueSetup, type RawBatchJob, type SinkBatchJob } from './queues.ts';
import type { ProcessPool } from './process-pool.ts';
import { processEventByEvent } from './process-batch.ts';
import { dropRedeliveries } from './redeliveries.ts';
import type { RedisClient } from './redis-connection.ts';

export interface ProcessStageOptions {
  setup: QueueSetup;
  /** One queue per enabled sink, by sink name. */
  sinkQueues: Map<string, Queue<SinkBatchJob>>;
  concurrency: number;
  pool: ProcessPool;
  /** For the redelivery check (see redeliveries.ts). */
  redis: RedisClient;
  metrics: Metrics;
  logger: Logger;
  /** Sees each batch's encoded sink payload and event count after it is processed; must not block. */
  onProcessed?: (payload: string, n: number) => void;
}

/**
 * The process stage: a raw batch from Redis → parsed and normalised events → one job per enabled
 * sink. Runs only after the raw batch is durable, so a parser bug can never lose input.
 */
export function startProcessWorker(options: ProcessStageOptions): Worker<RawBatchJob> {
  const { setup, sinkQueues, metrics, logger, pool, redis } = options;
  const worker = new Worker<RawBatchJob>(
    setup.keys.ingestQueue,
    async (job: Job<RawBatchJob>) => {
      const processed = await pool.run(job.data.z).catch((error: unknown) => {
        logger.error({ error, job: job.id }, 'Processing a batch failed; processing its events one by one');
        return processEventByEvent(job.data.z, (payload) => pool.run(payload));
      });
      const { batch, dropped } = await dropRedeliveries(redis, setup.keys, job.id!, processed);
      if (dropped) metrics.redelivered.inc(dropped);
      for (const [format, n] of Object.entries(batch.parsed)) metrics.parsed.inc({ format }, n);
      for (const [format, n] of Object.entries(batch.failed)) metrics.parseFailed.inc({ format }, n);
      metrics.countSecurityEvents(batch.security);
      if (batch.z === undefined) return;
      options.onProcessed?.(batch.z, batch.n);
      const payload = { z: batch.z, n: batch.n };
      await Promise.all([...sinkQueues].map(([sink, queue]) => queue.add('batch', payload, sinkJobOptions(job.id!, sink))));
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
