import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { encodeSinkBatch } from './codec.ts';
import type { DeadLetter, DeadLetterQueue } from './dlq.ts';
import { sinkJobOptions, type SinkBatchJob } from './queues.ts';

/** Moves up to `count` dead letters of a sink back onto its queue, as one batch. */
export function replayDeadLetters(queue: Queue<SinkBatchJob>, dlq: DeadLetterQueue, sink: string, count: number): Promise<number> {
  return dlq.replay(sink, count, async (entries) => {
    const events = entries.map((e) => e.event);
    // The options of every sink job: a Redis error during the delivery redoes it, never parks it.
    // The batch is named after its entries, so a replay run again after dying between this and
    // the trim (the same entries still at the head) is deduplicated instead of delivered twice.
    await queue.add('replay', { z: encodeSinkBatch(events), n: events.length }, sinkJobOptions(`replay-${entriesDigest(entries)}`, sink));
  });
}

/** Dead letters are told apart by when they were written and the event: a replay that fails again writes new ones. */
function entriesDigest(entries: DeadLetter[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.at} ${entry.attempts} ${entry.event.id}\n`);
  return hash.digest('hex').slice(0, 32);
}
