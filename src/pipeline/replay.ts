import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { encodeSinkBatch } from './codec.ts';
import type { DeadLetterQueue } from './dlq.ts';
import type { SinkBatchJob } from './queues.ts';

/** Moves up to `count` dead letters of a sink back onto its queue, as one batch. */
export function replayDeadLetters(queue: Queue<SinkBatchJob>, dlq: DeadLetterQueue, sink: string, count: number): Promise<number> {
  return dlq.replay(sink, count, async (entries) => {
    const events = entries.map((e) => e.event);
    await queue.add('replay', { z: encodeSinkBatch(events), n: events.length }, {
      jobId: `replay-${randomUUID()}`,
      removeOnComplete: true,
      removeOnFail: false,
    });
  });
}
