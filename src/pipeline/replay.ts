import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { encodeSinkBatch } from './codec.ts';
import type { DeadLetter, DeadLetterQueue } from './dlq.ts';
import { sinkJobOptions, type SinkBatchJob } from './queues.ts';

export interface ReplayOptions {
  /** Dead letters to replay at most (Infinity: all of them). */
  max: number;
  /** Events per re-queued batch. */
  chunk?: number;
  /** Only dead letters with this reason; the others stay. */
  reason?: string;
  /** After each chunk: replayed so far, and how many (with the reason) are still dead. */
  progress?(replayed: number, remaining: number): void;
}

/**
 * Moves up to `max` dead letters of a sink back onto its queue, `chunk` events per batch, each
 * chunk re-queued then removed: a replay that dies at any point can be run again with the same
 * options, and no event is delivered twice (see DeadLetterQueue.replay).
 */
export async function replayDeadLetters(queue: Queue<SinkBatchJob>, dlq: DeadLetterQueue, sink: string, options: ReplayOptions): Promise<{ replayed: number; remaining: number }> {
  const { max, chunk = 1000, reason } = options;
  // With a reason, counting is a full read of the list: done once, then counted down. Entries
  // dead-lettered meanwhile are not in it.
  const matching = reason === undefined ? 0 : await dlq.count(sink, reason);
  let replayed = 0;
  let remaining = reason === undefined ? await dlq.size(sink) : matching;
  for (let from = 0; replayed < max;) {
    const { moved, next } = await dlq.replay(sink, { reason, count: Math.min(chunk, max - replayed), from }, (entries) => requeue(queue, sink, entries));
    if (!moved) break;
    replayed += moved;
    from = next;
    remaining = reason === undefined ? await dlq.size(sink) : Math.max(0, matching - replayed);
    options.progress?.(replayed, remaining);
  }
  return { replayed, remaining };
}

async function requeue(queue: Queue<SinkBatchJob>, sink: string, entries: DeadLetter[]): Promise<void> {
  const events = entries.map((e) => e.event);
  // The options of every sink job: a Redis error during the delivery redoes it, never parks it.
  // The batch is named after its entries, so a replay run again after dying between this and
  // their removal (the same entries picked again) is deduplicated instead of delivered twice.
  await queue.add('replay', { z: encodeSinkBatch(events), n: events.length }, sinkJobOptions(`replay-${entriesDigest(entries)}`, sink));
}

/** Dead letters are told apart by when they were written and the event: a replay that fails again writes new ones. */
function entriesDigest(entries: DeadLetter[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.at} ${entry.attempts} ${entry.event.id}\n`);
  return hash.digest('hex').slice(0, 32);
}
