import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { DeliveryPolicy } from '../config/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { redisErrorLevel } from '../redis/redis-availability.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Outcome, Sink, SinkEvent } from '../sinks/kit/types.ts';
import { backoffMs } from './backoff.ts';
import type { SinkSetups } from './sink-setup.ts';
import { decodeSinkBatchAsync, encodeSinkBatch } from './codec.ts';
import type { SharedBatches } from './shared-batch.ts';
import type { DeadLetter, DeadLetterQueue } from './dlq.ts';
import { sharedWorkerOptions, type QueueSetup, type SinkBatchJob } from './queues.ts';

export interface DeliverStageOptions {
  setup: QueueSetup;
  sink: Sink;
  /** The sink's queue: its delayed batches are promoted when the backend comes back. */
  queue: Queue<SinkBatchJob>;
  policy: DeliveryPolicy;
  dlq: DeadLetterQueue;
  /** Where the batches its jobs name are stored (shared-batch.ts). */
  batches: SharedBatches;
  metrics: Metrics;
  logger: Logger;
  /** Runs the sink's setup now and records its failures for /readyz. */
  setups: SinkSetups;
}

/**
 * Drives one sink from its queue: send a batch, then act on each event's outcome. Accepted events
 * are done; rejected ones go to the sink's dead-letter queue; the rest stay in the job, which is
 * delayed by the backoff and tried again with only those events (Vector's RetryPartial).
 */
export function startDeliverWorker(options: DeliverStageOptions): Worker<SinkBatchJob> {
  const { setup, sink, logger } = options;
  const started = options.setups.register(sink, logger);
  const recovery = new Recovery(options);
  const worker = new Worker<SinkBatchJob>(setup.keys.sinkQueue(sink.name), (job, token) => deliver(job, token, options, started, recovery), {
    connection: setup.connection,
    prefix: setup.prefix,
    concurrency: options.policy.concurrency,
    ...sharedWorkerOptions(setup.locks),
  });
  worker.on('error', (error) => logger[redisErrorLevel(error)]({ error, sink: sink.name }, 'Deliver worker error'));
  worker.on('failed', (job, error) => logger.error({ error, sink: sink.name, job: job?.id }, 'Delivery job failed; it will be redone'));
  // Only once BullMQ has completed the job can nothing redo it: until then the batch must stay.
  worker.on('completed', (job) => {
    const batch = job.data.batch;
    if (batch === undefined) return;
    options.batches.release(batch, sink.name).catch((error: unknown) => logger.warn({ error, sink: sink.name, batch }, 'Could not release a delivered batch; the sweep will delete it'));
  });
  return worker;
}

/**
 * After an outage the backlog sits in the queue as delayed batches, each waiting out its own
 * backoff (up to max_backoff_ms, a minute by default), so a backend that is back would be fed in
 * dribbles for that long. The first batch the backend takes again after whole-batch failures
 * promotes every delayed batch of the sink: the backlog drains at full speed at once.
 */
class Recovery {
  #failing = false;
  /** When the backend last took a batch, epoch ms. */
  lastAcceptedAt = 0;
  readonly #options: DeliverStageOptions;

  constructor(options: DeliverStageOptions) {
    this.#options = options;
  }

  /** One attempt's result: nothing accepted (the backend is failing), or some accepted. */
  record(accepted: number, retried: number): void {
    if (accepted === 0 && retried > 0) {
      this.#failing = true;
      return;
    }
    if (accepted > 0) this.lastAcceptedAt = Date.now();
    if (accepted === 0 || !this.#failing) return;
    this.#failing = false;
    const { queue, sink, logger } = this.#options;
    logger.info({ sink: sink.name }, 'Sink accepts events again: its delayed batches are tried now');
    queue.promoteJobs().catch((error: unknown) => logger.warn({ error, sink: sink.name }, 'Could not promote delayed batches'));
  }
}

async function deliver(job: Job<SinkBatchJob>, token: string | undefined, options: DeliverStageOptions, started: () => Promise<void>, recovery: Recovery): Promise<void> {
  const { sink, policy, dlq, metrics, logger } = options;
  const { events, positions } = await eventsOf(job, options.batches);
  const attempt = (job.data.attempt ?? 0) + 1;
  const firstAttemptAt = job.data.firstAttemptAt ?? Date.now();
  const attemptStartedAt = Date.now();

  const outcomes = await started().then(
    () => sendOnce(sink, events, metrics),
    // Setup (an index template, say) failed: nothing was sent; the batch waits and tries again.
    (error: Error) => events.map((): Outcome => ({ kind: 'retry', reason: 'unavailable', detail: `sink setup failed: ${error.message}` })),
  );
  const retry: SinkEvent[] = [];
  /** Where each retried event is in `events`. */
  const retryAt: number[] = [];
  const dead: DeadLetter[] = [];
  let ok = 0;
  let retryAfterMs = 0;
  let retryReason = '';
  let retryDetail: string | undefined;
  let unauthorized = false;
  const exhausted = attempt >= policy.max_attempts;
  const at = new Date().toISOString();
  outcomes.forEach((outcome, i) => {
    if (outcome.kind === 'ok') ok++;
    else if (outcome.kind === 'dead') dead.push({ at, sink: sink.name, reason: outcome.reason, detail: outcome.detail, attempts: attempt, event: events[i] });
    else if (exhausted && outcome.reason !== 'unauthorized') {
      dead.push({ at, sink: sink.name, reason: 'retries_exhausted', detail: `${outcome.reason}: ${outcome.detail ?? ''}`.trim(), attempts: attempt, event: events[i] });
    } else {
      retry.push(events[i]);
      retryAt.push(i);
      retryAfterMs = Math.max(retryAfterMs, outcome.afterMs ?? 0);
      retryReason ||= outcome.reason;
      retryDetail ??= outcome.detail;
      unauthorized ||= outcome.reason === 'unauthorized';
    }
  });

  if (ok) metrics.forwarded.inc({ sink: sink.name }, ok);
  recovery.record(ok, retry.length);
  if (dead.length) {
    // A job taken by a worker always has its id (sink jobs are added with one).
    await dlq.add(dead, job.id!);
    for (const d of dead) metrics.deadLettered.inc({ sink: sink.name, reason: d.reason });
    logger.error({ sink: sink.name, events: dead.length, reason: dead[0].reason, detail: dead[0].detail.slice(0, 500) }, 'Events moved to the dead-letter queue');
  }
  metrics.sinkHalted.set({ sink: sink.name }, unauthorized ? 1 : 0);
  if (!retry.length) return;

  metrics.retried.inc({ sink: sink.name, reason: retryReason }, retry.length);
  // A batch whose connection failed while another got through (the backend came back during
  // this attempt, after the promotion) is tried again at once rather than after its backoff.
  const backInMeantime = ok === 0 && retryReason === 'network' && recovery.lastAcceptedAt > attemptStartedAt;
  // 401/403: retrying sooner cannot help and the DLQ is no place for events that only need the
  // right credentials. The sink is halted: its events wait in the queue, tried again at the
  // longest backoff, and these attempts never count towards max_attempts.
  const delay = unauthorized ? Math.max(policy.max_backoff_ms, retryAfterMs) : backInMeantime ? 0 : backoffMs(attempt, policy, retryAfterMs);
  const context = { sink: sink.name, events: retry.length, reason: retryReason, detail: retryDetail?.slice(0, 500), attempt, delayMs: delay };
  if (unauthorized) logger.error(context, 'Sink halted: the backend refused our credentials; events wait in the queue until it accepts them');
  else logger.warn(context, 'Delivery will be retried');
  const next: SinkBatchJob = { n: retry.length, attempt: unauthorized ? attempt - 1 : attempt, firstAttemptAt };
  // The whole batch failed (an outage): its payload is unchanged, so it is not encoded again. A
  // shared batch stays as it is and the job names the positions of the events left to deliver.
  if (job.data.batch === undefined) next.z = retry.length === events.length ? job.data.z : encodeSinkBatch(retry);
  else {
    next.batch = job.data.batch;
    const left = retry.length === events.length ? positions : retryAt.map((i) => positions?.[i] ?? i);
    if (left) next.only = left;
  }
  await job.updateData(next);
  await job.moveToDelayed(Date.now() + delay, token);
  throw new DelayedError();
}

/**
 * The events a job delivers, and where each is in its shared batch when the job names only some
 * (undefined: all of them, in order). A shared batch is deleted only after every job naming it
 * completed, so one that is missing means Redis lost data: the job fails, to be redone, loudly.
 */
async function eventsOf(job: Job<SinkBatchJob>, batches: SharedBatches): Promise<{ events: SinkEvent[]; positions?: number[] }> {
  const { batch, z, only } = job.data;
  if (batch === undefined) return { events: await decodeSinkBatchAsync(z!) };
  const payload = await batches.read(batch);
  if (payload === null) throw new Error(`batch ${batch} of job ${job.id} is not in Redis`);
  const all = await decodeSinkBatchAsync(payload);
  if (only === undefined) return { events: all };
  return { events: only.map((i) => all[i]!), positions: only };
}

/** One attempt; a thrown error or a wrong-sized answer means the whole batch is retried. */
async function sendOnce(sink: Sink, events: SinkEvent[], metrics: Metrics): Promise<Outcome[]> {
  const stop = metrics.deliverSeconds.startTimer({ sink: sink.name });
  try {
    const outcomes = await sink.send(events);
    if (outcomes.length !== events.length) {
      throw new Error(`sink ${sink.name} returned ${outcomes.length} outcomes for ${events.length} events`);
    }
    return outcomes;
  } catch (error) {
    const detail = (error as Error)?.message ?? String(error);
    return events.map(() => ({ kind: 'retry', reason: 'network', detail }) as const);
  } finally {
    stop();
  }
}

