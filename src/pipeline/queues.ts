import { Queue, type JobsOptions, type ConnectionOptions } from 'bullmq';

/**
 * Queue names and job options: the one place that knows how vigil lays out BullMQ.
 *
 *   ingest            raw batches from the listeners (process stage consumes)
 *   sink-<name>       jobs delivering normalised batches to one sink (its deliver worker consumes)
 */
export const INGEST_QUEUE = 'ingest';
export const sinkQueueName = (sink: string): string => `sink-${sink}`;

/**
 * Every Redis key vigil names, in one place. BullMQ keys are `<prefix>:<queue name>:…`; vigil's
 * own are the redelivery claims (`seen`), the dead-letter lists and the normalised batches stored
 * once for the jobs of every sink (`batch`, shared-batch.ts).
 *
 * On a Redis Cluster a Lua script may only touch keys of one hash slot, and a key's slot is that
 * of its `{hash tag}` when it has one (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 * So there each queue name is its own tag (`{ingest}`, `{sink-elasticsearch}`): a queue's keys
 * share a slot and the queues spread over the masters by sink. Every claim key shares the
 * `{seen}` tag (one script claims a whole batch), and a sink's dead-letter list and its
 * written-ids sets share `{dlq:<sink>}`. A stored batch is one key (its scripts touch nothing
 * else), untagged, so the batches spread over every slot. One server keeps the untagged names.
 */
export interface KeyLayout {
  prefix: string;
  cluster: boolean;
  ingestQueue: string;
  sinkQueue(sink: string): string;
  /** Claim of a source-identified event (redeliveries.ts). */
  seen(sourceId: string): string;
  /** A sink's dead-letter list (dlq.ts) ... */
  dlq(sink: string): string;
  /** ... and the ids one sink batch wrote to it, in the same slot. */
  dlqWritten(sink: string, batch: string): string;
  /** A normalised batch stored once for every sink (shared-batch.ts); `batch('')` is what all of them start with. */
  batch(id: string): string;
  /** A BullMQ job's hash (BullMQ's QueueKeys.toKey): `queue` as ingestQueue or sinkQueue name it. */
  job(queue: string, jobId: string): string;
}

/**
 * Single keys outside the layout's tags (no script touches another key with them, so any slot
 * does): the node registry's hash (node-registry.ts), and `vigil tap`'s pub/sub channel and the
 * flag that someone listens (tap-publisher.ts, tap-hub.ts).
 */
export const nodesKey = (prefix: string): string => `${prefix}:nodes`;
export const tapChannel = (prefix: string): string => `${prefix}:tap`;
export const tapListeningKey = (prefix: string): string => `${prefix}:tap:listening`;

export function keyLayout(prefix: string, cluster = false): KeyLayout {
  const tag = (name: string) => (cluster ? `{${name}}` : name);
  return {
    prefix,
    cluster,
    ingestQueue: tag(INGEST_QUEUE),
    sinkQueue: (sink) => tag(sinkQueueName(sink)),
    seen: (id) => `${prefix}:${tag('seen')}:${id}`,
    dlq: (sink) => `${prefix}:${cluster ? `{dlq:${sink}}` : `dlq:${sink}`}`,
    dlqWritten: (sink, batch) => `${prefix}:${cluster ? `{dlq:${sink}}` : `dlq:${sink}`}:written:${batch}`,
    batch: (id) => `${prefix}:batch:${id}`,
    job: (queue, jobId) => `${prefix}:${queue}:${jobId}`,
  };
}

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
  /** An inline sink batch (codec.ts encodeSinkBatch), zstd-compressed, in base64. */
  z?: string;
  /** Events this job delivers. */
  n: number;
  /**
   * Positions in the shared batch of the events this job delivers: those the sink's filter kept
   * (sink-filter.ts), those left after a partial retry; every event when absent.
   */
  only?: number[];
  /** Delivery attempts made so far (the deliver worker counts them itself: see deliver-worker.ts). */
  attempt?: number;
  /** When the first attempt started, epoch ms. */
  firstAttemptAt?: number;
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
  keys: KeyLayout;
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
