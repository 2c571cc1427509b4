import { Queue, type JobsOptions, type ConnectionOptions } from 'bullmq';

/**
 * Queue names, job options and key names: the one place that knows how vigil lays out Redis.
 *
 *   ingest            raw batches from the listeners (process stage consumes)
 *   sink-<name>       jobs delivering normalised batches to one sink (its deliver worker consumes)
 *   batch:<id>        a normalised batch, stored once for the jobs of every sink (shared-batch.ts)
 *   dlq:<sink>        dead letters (dlq.ts); seen:<id> source identities (redeliveries.ts)
 */
export const INGEST_QUEUE = 'ingest';
export const sinkQueueName = (sink: string): string => `sink-${sink}`;

/** How long a fan-out stays deduplicated: far longer than a stalled process job takes to be retried. */
export const FANOUT_DEDUPE_TTL_MS = 6 * 60 * 60 * 1000;

export interface RawBatchJob {
  /** The binary raw batch (codec.ts encodeRawBatch), zstd-compressed, in base64. */
  z: string;
  /** Events in the batch (for metrics without decoding). */
  n: number;
}

/**
 * A sink job. The process stage stores each batch once, binary, in its own key (shared-batch.ts)
 * and every sink's job names it; replays (and jobs queued by an earlier vigil) carry their batch
 * inline in `z` instead.
 */
export interface SinkBatchJob {
  /** Id of the shared batch this job delivers from (the raw batch's job id). */
  batch?: string;
  /** An inline sink batch, two JSON lines per event (codec.ts encodeSinkBatch), zstd-compressed, in base64. */
  z?: string;
  /** Events this job delivers. */
  n: number;
  /** Positions in the shared batch of the events this job delivers (after a partial retry, say); every event when absent. */
  only?: number[];
  /** Delivery attempts made so far (the deliver worker counts them itself: see deliver-worker.ts). */
  attempt?: number;
  /** When the first attempt started, epoch ms. */
  firstAttemptAt?: number;
}

/**
 * Every Redis key vigil itself names (BullMQ names its own from the prefix and queue), built
 * here so the layout lives in one place: `<prefix>:<kind>:<id>`.
 */
export function redisKey(prefix: string, kind: 'batch' | 'seen' | 'dlq', id: string): string {
  return `${prefix}:${kind}:${id}`;
}

/** A BullMQ job's hash: `<prefix>:<queue>:<job id>` (BullMQ's QueueKeys.toKey). */
export function jobKey(prefix: string, queue: string, jobId: string): string {
  return `${prefix}:${queue}:${jobId}`;
}

/** The job that delivers batch `batchId` to `sink`: named so a redone fan-out finds it again. */
export const sinkJobId = (batchId: string, sink: string): string => `${batchId}.${sink}`;

/**
 * BullMQ retries a job itself only when its processor threw, which in vigil means Redis failed
 * under it (parsers never throw; sink outcomes are handled, not thrown): so the backoff is short
 * and the attempts many, and the job is redone rather than parked in `failed`, where nothing
 * would ever look at it again.
 */
const REDO_ON_REDIS_ERROR = { attempts: 1000, backoff: { type: 'redis-error' } } satisfies JobsOptions;

/** 0.2, 0.4, 0.8 … s, capped at 30 s: BullMQ's own exponential backoff has no cap (day-long waits after ~20 failures). */
const REDIS_ERROR_BACKOFF_CAP_MS = 30_000;
export function redisErrorBackoff(attemptsMade: number): number {
  return Math.min(200 * 2 ** Math.max(0, attemptsMade - 1), REDIS_ERROR_BACKOFF_CAP_MS);
}

/** Finished jobs are removed at once: their payload is the bulk of Redis memory. */
export const INGEST_JOB_OPTIONS: JobsOptions = {
  ...REDO_ON_REDIS_ERROR,
  removeOnComplete: true,
  removeOnFail: false,
};

export function sinkJobOptions(batchId: string, sink: string): JobsOptions {
  return {
    jobId: sinkJobId(batchId, sink),
    // A retried process job re-adds the same sink jobs: the deduplication key (kept after the
    // job completes and is removed) turns those re-adds into no-ops.
    deduplication: { id: sinkJobId(batchId, sink), ttl: FANOUT_DEDUPE_TTL_MS },
    // Retries after a sink's answer are the deliver worker's own (moveToDelayed, which does not
    // count as a BullMQ attempt), with the sink's policy; BullMQ's attempts are for Redis errors.
    ...REDO_ON_REDIS_ERROR,
    removeOnComplete: true,
    removeOnFail: false,
  };
}

export interface QueueSetup {
  connection: ConnectionOptions;
  prefix: string;
  locks: JobLocks;
}

/**
 * A worker holds each active job under a lock in Redis that it renews every lockMs/2. When the
 * process dies the lock expires and the next stalled check (every stalledCheckMs, in any worker
 * of the queue, the restarted process's included) moves the job back to wait: that is how a
 * batch interrupted by kill -9 is redone. Short values take over sooner but a main thread blocked
 * longer than lockMs would let a second worker run the same job (harmless: ids dedupe, but wasted).
 */
export interface JobLocks {
  lockMs: number;
  stalledCheckMs: number;
}

export const DEFAULT_JOB_LOCKS: JobLocks = { lockMs: 30_000, stalledCheckMs: 10_000 };

/** Options every vigil worker shares: a batch interrupted by a crash goes back to wait, however often, never to failed; a Redis error redoes it after redisErrorBackoff. */
export function sharedWorkerOptions(locks: JobLocks) {
  return {
    lockDuration: locks.lockMs,
    stalledInterval: locks.stalledCheckMs,
    maxStalledCount: 1000,
    settings: { backoffStrategy: redisErrorBackoff },
  };
}

export function openQueue<T>(name: string, setup: Pick<QueueSetup, 'connection' | 'prefix'>): Queue<T> {
  return new Queue<T>(name, { connection: setup.connection, prefix: setup.prefix });
}
