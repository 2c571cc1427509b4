import { Worker, type Job, type Queue } from 'bullmq';
import { normalize } from '../normalize/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';
import { decodeRawBatch, encodeSinkBatch } from './codec.ts';
import { INGEST_QUEUE, sinkJobOptions, type QueueSetup, type RawBatchJob, type SinkBatchJob } from './queues.ts';
import { toSinkEvent } from './to-sink-event.ts';

export interface ProcessStageOptions {
  setup: QueueSetup;
  /** One queue per enabled sink, by sink name. */
  sinkQueues: Map<string, Queue<SinkBatchJob>>;
  concurrency: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * The process stage: a raw batch from Redis → parsed and normalised events → one job per enabled
 * sink. Runs only after the raw batch is durable, so a parser bug can never lose input.
 */
export function startProcessWorker(options: ProcessStageOptions): Worker<RawBatchJob> {
  const { setup, sinkQueues, metrics, logger } = options;
  const worker = new Worker<RawBatchJob>(
    INGEST_QUEUE,
    async (job: Job<RawBatchJob>) => {
      const sinkEvents = processBatch(decodeRawBatch(job.data.z), metrics);
      if (!sinkEvents.length) return;
      const payload = { z: encodeSinkBatch(sinkEvents), n: sinkEvents.length };
      await Promise.all([...sinkQueues].map(([sink, queue]) => queue.add('batch', payload, sinkJobOptions(job.id!, sink))));
    },
    {
      connection: setup.connection,
      prefix: setup.prefix,
      concurrency: options.concurrency,
      // A batch interrupted by a crash goes back to wait, however often: never to failed.
      maxStalledCount: 1000,
    },
  );
  worker.on('error', (error) => logger.error({ error }, 'Process worker error'));
  worker.on('failed', (job, error) => logger.error({ error, job: job?.id }, 'Process job failed; it will be retried'));
  return worker;
}

/** Normalises a raw batch and counts what each format produced. */
export function processBatch(raws: Parameters<typeof normalize>[0][], metrics: Metrics): SinkEvent[] {
  const out: SinkEvent[] = [];
  const parsed = new Map<string, number>();
  const failed = new Map<string, number>();
  for (const raw of raws) {
    for (const event of normalize(raw)) {
      out.push(toSinkEvent(event));
      const counts = event.tags?.includes('parse_failure') ? failed : parsed;
      counts.set(raw.format, (counts.get(raw.format) ?? 0) + 1);
    }
  }
  for (const [format, n] of parsed) metrics.parsed.inc({ format }, n);
  for (const [format, n] of failed) metrics.parseFailed.inc({ format }, n);
  return out;
}
