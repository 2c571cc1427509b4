import type { Redis } from 'ioredis';
import type { SinkEvent } from '../sinks/kit/types.ts';

/** One event a sink gave up on, with why and what the backend answered. */
export interface DeadLetter {
  /** When it was dead-lettered, ISO 8601. */
  at: string;
  sink: string;
  reason: string;
  detail: string;
  attempts: number;
  event: SinkEvent;
}

const WRITTEN_TTL_SECONDS = 7 * 24 * 60 * 60;

// KEYS: the list, the set of event ids this batch wrote. ARGV: the set's TTL, then id and entry
// pairs. One round trip for the whole batch.
const ADD_ONCE = `
for i = 2, #ARGV, 2 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[2], ARGV[1])`;

/**
 * A dead-letter queue per sink: a Redis list of JSON entries under `<prefix>:dlq:<sink>`.
 * Appends are one round trip per batch; replay reads from the head and trims what it re-queued.
 */
export class DeadLetterQueue {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  key(sink: string): string {
    return `${this.#prefix}:dlq:${sink}`;
  }

  /**
   * Appends the entries of one sink batch (`batch`: the sink job's id), each event once: a batch
   * redone after a crash between this write and the job's completion dead-letters the same events
   * again, and those are skipped. The ids written are kept for WRITTEN_TTL_SECONDS, far longer
   * than a redo can take (the lock time, or vigil's restart).
   */
  async add(entries: DeadLetter[], batch: string): Promise<void> {
    if (!entries.length) return;
    const list = this.key(entries[0].sink);
    const pairs = entries.flatMap((e) => [e.event.id, JSON.stringify(e)]);
    await this.#redis.eval(ADD_ONCE, 2, list, `${list}:written:${batch}`, String(WRITTEN_TTL_SECONDS), ...pairs);
  }

  size(sink: string): Promise<number> {
    return this.#redis.llen(this.key(sink));
  }

  async list(sink: string, start = 0, count = 100): Promise<DeadLetter[]> {
    const items = await this.#redis.lrange(this.key(sink), start, start + count - 1);
    return items.map((item) => JSON.parse(item) as DeadLetter);
  }

  /**
   * Hands up to `count` entries from the head to `requeue`, then trims them. Trimming after the
   * requeue succeeded means a crash in between hands the same entries over again next time, never
   * loses them: requeue must make that harmless (replayDeadLetters names the batch after them).
   */
  async replay(sink: string, count: number, requeue: (entries: DeadLetter[]) => Promise<void>): Promise<number> {
    const entries = await this.list(sink, 0, count);
    if (!entries.length) return 0;
    await requeue(entries);
    await this.#redis.ltrim(this.key(sink), entries.length, -1);
    return entries.length;
  }

  async purge(sink: string): Promise<number> {
    const size = await this.size(sink);
    await this.#redis.del(this.key(sink));
    return size;
  }
}
