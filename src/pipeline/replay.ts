import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { encodeSinkBatch } from './codec.ts';
import type { DeadLetterQueue } from './dlq.ts';
import { sinkJobOptions, type SinkBatchJob } from './queues.ts';

/** Moves up to `count` dead letters of a sink back onto its queue, as one batch. */
export function replayDeadLetters(queue: Queue<SinkBatchJob>, dlq: DeadLetterQueue, sink: string, count: number): Promise<number> {
  return dlq.replay(sink, count, async (entries) => {
    const events = entries.map((e) => e.event);
    // The options of every sink job: a Redis error during the delivery redoes it, never parks it.
    await queue.add('replay', { z: encodeSinkBatch(events), n: events.length }, sinkJobOptions(`replay-${randomUUID()}`, sink));
  });
}
