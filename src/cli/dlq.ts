import { loadConfig } from '../config/load.ts';
import { DeadLetterQueue, type DeadLetter } from '../pipeline/dlq.ts';
import { keyLayout, openQueue, type SinkBatchJob } from '../pipeline/queues.ts';
import { bullmqConnection, isCluster, type RedisClient } from '../redis/redis-connection.ts';
import { openCliRedis } from './cli-redis.ts';
import { replayDeadLetters } from '../pipeline/replay.ts';

export const DLQ_ACTIONS = ['list', 'show', 'replay', 'purge'] as const;

export interface DlqFlags {
  /** Entries to list, show or replay (Infinity with --all). */
  limit: number;
  /** Events per re-queued batch. */
  chunk: number;
  reason?: string;
  json: boolean;
  yes: boolean;
}

/**
 * `vigil dlq list|show|replay|purge <sink>`: the operator's view of a sink's dead letters
 * (arguments checked by the caller). Human text by default; with --json one JSON document on
 * stdout. Progress goes to stderr either way.
 */
export async function runDlq(action: (typeof DLQ_ACTIONS)[number], sink: string, flags: DlqFlags): Promise<number> {
  const config = loadConfig();
  const { redis, handle, close } = await openCliRedis(config, 'vigil dlq');
  const keys = keyLayout(config.redis.prefix, isCluster(handle.endpoint));
  const dlq = new DeadLetterQueue(redis, keys);
  // A Cluster client BullMQ was given, closed with the rest.
  const owned: RedisClient[] = [];
  const { reason, json } = flags;
  const which = reason === undefined ? '' : ` with reason ${reason}`;
  try {
    switch (action) {
      case 'list': {
        const total = await dlq.size(sink);
        const matching = reason === undefined ? total : await dlq.count(sink, reason);
        const letters = await dlq.list(sink, { count: flags.limit, reason });
        if (json) {
          print({ sink, total, ...(reason === undefined ? {} : { reason, matching }), entries: letters.map(({ event: { json: _, ...event }, ...rest }) => ({ ...rest, event })) });
          return 0;
        }
        console.log(`${sink}: ${total} dead letter(s)${reason === undefined ? '' : `, ${matching} with reason ${reason}`}`);
        letters.forEach((l, i) =>
          console.log([i, l.at, l.reason, l.event.dataset, l.event.id, l.detail.slice(0, 160)].map((field) => printable(String(field))).join('\t')));
        return 0;
      }
      case 'show': {
        const letters = await dlq.list(sink, { count: flags.limit, reason });
        if (json) console.log(`{"sink":${JSON.stringify(sink)},"entries":[${letters.map(withEvent).join(',')}]}`);
        else for (const l of letters) console.log(JSON.stringify({ ...l, event: { ...l.event, json: JSON.parse(l.event.json) } }, null, 2));
        return 0;
      }
      case 'replay': {
        const queue = openQueue<SinkBatchJob>(keys.sinkQueue(sink), { connection: bullmqConnection(handle.endpoint, { maxRetriesPerRequest: null }, owned), prefix: config.redis.prefix });
        try {
          const { replayed, remaining } = await replayDeadLetters(queue, dlq, sink, {
            max: flags.limit, chunk: flags.chunk, reason,
            progress: (done, left) => console.error(`${sink}: replayed ${done}, ${left} remaining${which}`),
          });
          if (json) print({ sink, ...(reason === undefined ? {} : { reason }), replayed, remaining });
          else console.log(`${sink}: ${replayed} event(s) queued for delivery again, ${remaining} dead letter(s)${which} remaining`);
        } finally {
          await queue.close();
        }
        return 0;
      }
      default: {
        if (!flags.yes) {
          console.error(`vigil dlq purge ${sink} deletes ${await dlq.count(sink, reason)} event(s)${which} for good: add --yes`);
          return 2;
        }
        const deleted = await dlq.purge(sink, reason);
        if (json) print({ sink, ...(reason === undefined ? {} : { reason }), deleted });
        else console.log(`${sink}: ${deleted} event(s)${which} deleted`);
        return 0;
      }
    }
  } finally {
    for (const client of owned) client.disconnect();
    await close();
  }
}

function print(document: object): void {
  console.log(JSON.stringify(document));
}

/** A dead letter as JSON with its ECS event inline, spliced in as stored: integers beyond 2^53 keep every digit. */
function withEvent(letter: DeadLetter): string {
  const { json, ...event } = letter.event;
  const text = JSON.stringify({ ...letter, event: { ...event, json: null } });
  const at = text.lastIndexOf('"json":null');
  return `${text.slice(0, at)}"json":${json}${text.slice(at + '"json":null'.length)}`;
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
