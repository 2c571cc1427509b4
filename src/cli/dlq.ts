import { Redis } from 'ioredis';
import { loadConfig } from '../config/load.ts';
import { DeadLetterQueue } from '../pipeline/dlq.ts';
import { openQueue, sinkQueueName, type SinkBatchJob } from '../pipeline/queues.ts';
import { openRedis } from '../pipeline/redis-target.ts';
import { waitForRedis } from '../pipeline/redis-server.ts';
import { replayDeadLetters } from '../pipeline/replay.ts';

export const DLQ_ACTIONS = ['list', 'show', 'replay', 'purge'] as const;

/** `vigil dlq list|show|replay|purge <sink>`: the operator's view of a sink's dead letters (arguments checked by the caller). */
export async function runDlq(action: (typeof DLQ_ACTIONS)[number], sink: string, flags: { limit: number; yes: boolean }): Promise<number> {
  const config = loadConfig();
  const handle = await openRedis(config, { reuseRunning: true });
  // A Redis that does not answer is one line naming it (VIGIL_ERR_REDIS_UNAVAILABLE), not a stack.
  await waitForRedis(handle.target, { timeoutMs: 5_000, setBy: 'vigil dlq waits 5 s' }).catch(async (error: unknown) => {
    await handle.stop();
    throw error;
  });
  const redis = new Redis({ ...handle.options, maxRetriesPerRequest: 2 });
  const dlq = new DeadLetterQueue(redis, config.redis.prefix);
  try {
    switch (action) {
      case 'list': {
        const size = await dlq.size(sink);
        console.log(`${sink}: ${size} dead letter(s)`);
        (await dlq.list(sink, 0, flags.limit)).forEach((l, i) =>
          console.log([i, l.at, l.reason, l.event.dataset, l.event.id, l.detail.slice(0, 160)].map((field) => printable(String(field))).join('\t')));
        return 0;
      }
      case 'show':
        for (const l of await dlq.list(sink, 0, flags.limit)) {
          console.log(JSON.stringify({ ...l, event: { ...l.event, json: JSON.parse(l.event.json) } }, null, 2));
        }
        return 0;
      case 'replay': {
        const queue = openQueue<SinkBatchJob>(sinkQueueName(sink), { connection: { ...handle.options, maxRetriesPerRequest: null }, prefix: config.redis.prefix });
        try {
          const moved = await replayDeadLetters(queue, dlq, sink, flags.limit);
          console.log(`${sink}: ${moved} event(s) queued for delivery again`);
        } finally {
          await queue.close();
        }
        return 0;
      }
      default: {
        if (!flags.yes) {
          console.error(`vigil dlq purge ${sink} deletes ${await dlq.size(sink)} event(s) for good: add --yes`);
          return 2;
        }
        console.log(`${sink}: ${await dlq.purge(sink)} event(s) deleted`);
        return 0;
      }
    }
  } finally {
    redis.disconnect();
    await handle.stop();
  }
}

/**
 * A field as it may reach a terminal: the backend's error text and event fields come from outside,
 * and escape sequences in them (ESC, CSI, OSC, BEL, a carriage return) could rewrite the screen
 * or the title. C0 and C1 controls and DEL become one visible U+FFFD each; tabs and newlines too,
 * since each entry is one tab-separated line.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}
