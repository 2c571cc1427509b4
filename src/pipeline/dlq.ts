import type { RedisClient } from '../redis/redis-connection.ts';
import type { KeyLayout } from './queues.ts';
import { DEAD_REASONS, type SinkEvent } from '../sinks/kit/types.ts';

/** Why an event is dead: the sink's verdict, or its retries ran out (delivery.max_attempts). */
export const DEAD_LETTER_REASONS = [...DEAD_REASONS, 'retries_exhausted'] as const;

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

/** A dead letter picked from the list, with where it was and its stored text (to remove exactly it). */
export interface Picked {
  index: number;
  raw: string;
  letter: DeadLetter;
}

/** Which dead letters an operation takes: those with `reason` (any when undefined), the first `count` of them. */
export interface Selection {
  reason?: string;
  count: number;
  /** Where to start looking: the entries before it are known not to match. */
  from?: number;
}

/** Entries read per LRANGE while looking for a reason: one round trip per page, never per entry. */
const PAGE = 1000;

/** What a picked entry becomes just before it is removed: never a JSON entry. */
const TOMBSTONE = '\u0000vigil:dlq:removed';

// KEYS: the list. ARGV: the tombstone, then index and entry pairs (ascending indexes). Removes
// exactly those entries, or nothing (returns -1) when one of them is no longer where it was read.
// LSET then one LREM counted to the number of tombstones stops at the last of them: the cost is the
// position of the last entry, once, not once per entry.
const REMOVE_PICKED = `
for i = 2, #ARGV, 2 do
  if redis.call('LINDEX', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return -1 end
end
for i = 2, #ARGV, 2 do redis.call('LSET', KEYS[1], ARGV[i], ARGV[1]) end
return redis.call('LREM', KEYS[1], (#ARGV - 1) / 2, ARGV[1])`;

const WRITTEN_TTL_SECONDS = 7 * 24 * 60 * 60;

// KEYS: the list, the set of event ids this batch wrote. ARGV: the set's TTL, then id and entry
// pairs. One round trip for the whole batch.
const ADD_ONCE = `
for i = 2, #ARGV, 2 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[i + 1]) end
end
redis.call('EXPIRE', KEYS[2], ARGV[1])`;

/**
 * A dead-letter queue per sink: a Redis list of JSON entries (KeyLayout.dlq).
 * Appends are one round trip per batch; replay reads from the head, a page at a time, and removes
 * what it re-queued in one round trip per chunk.
 */
export class DeadLetterQueue {
  readonly #redis: RedisClient;
  readonly #keys: KeyLayout;

  constructor(redis: RedisClient, keys: KeyLayout) {
    this.#redis = redis;
    this.#keys = keys;
  }

  key(sink: string): string {
    return this.#keys.dlq(sink);
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
    await this.#redis.eval(ADD_ONCE, 2, list, this.#keys.dlqWritten(entries[0].sink, batch), String(WRITTEN_TTL_SECONDS), ...pairs);
  }

  size(sink: string): Promise<number> {
    return this.#redis.llen(this.key(sink));
  }

  /** Dead letters with this reason (any when undefined): a full read of the list in pages when a reason is given. */
  async count(sink: string, reason?: string): Promise<number> {
    if (reason === undefined) return this.size(sink);
    let matching = 0;
    for (let start = 0; ; start += PAGE) {
      const page = await this.#redis.lrange(this.key(sink), start, start + PAGE - 1);
      for (const raw of page) if ((JSON.parse(raw) as DeadLetter).reason === reason) matching++;
      if (page.length < PAGE) return matching;
    }
  }

  async list(sink: string, selection: Partial<Selection> = {}): Promise<DeadLetter[]> {
    return (await this.pick(sink, { count: 100, ...selection })).map((p) => p.letter);
  }

  /** The first `count` dead letters with the reason, from the head (oldest first), read a page at a time. */
  async pick(sink: string, { reason, count, from = 0 }: Selection): Promise<Picked[]> {
    const picked: Picked[] = [];
    // Without a reason every entry matches: read exactly what is wanted.
    const pageSize = reason === undefined ? count : Math.max(count, PAGE);
    for (let start = from; picked.length < count; start += pageSize) {
      const page = await this.#redis.lrange(this.key(sink), start, start + pageSize - 1);
      for (let i = 0; i < page.length && picked.length < count; i++) {
        const letter = JSON.parse(page[i]) as DeadLetter;
        if (reason === undefined || letter.reason === reason) picked.push({ index: start + i, raw: page[i], letter });
      }
      if (page.length < pageSize) break;
    }
    return picked;
  }

  /** Removes exactly the picked entries in one round trip; throws if the list changed under them. */
  async remove(sink: string, picked: Picked[]): Promise<void> {
    if (!picked.length) return;
    const removed = await this.#redis.eval(REMOVE_PICKED, 1, this.key(sink), TOMBSTONE, ...picked.flatMap((p) => [String(p.index), p.raw]));
    if (removed === -1) throw new Error(`the dead-letter queue of ${sink} changed while it was read (another replay or purge at the same time?): run the command again`);
  }

  /**
   * Hands the first `count` entries with the reason to `requeue`, then removes them. Removing after
   * the requeue succeeded means a crash in between hands the same entries over again next time,
   * never loses them: requeue must make that harmless (replayDeadLetters names the batch after
   * them). The same entries come again because the choice depends only on the entries themselves:
   * the first `count` that match, from the head. Returns them, and where the next call may start
   * looking (the entries before it do not match).
   */
  async replay(sink: string, selection: Selection, requeue: (entries: DeadLetter[]) => Promise<void>): Promise<{ moved: number; next: number }> {
    const picked = await this.pick(sink, selection);
    if (!picked.length) return { moved: 0, next: selection.from ?? 0 };
    await requeue(picked.map((p) => p.letter));
    await this.remove(sink, picked);
    return { moved: picked.length, next: picked[picked.length - 1].index + 1 - picked.length };
  }

  /** Deletes every dead letter, or those with the reason (a page at a time). */
  async purge(sink: string, reason?: string): Promise<number> {
    if (reason === undefined) {
      const size = await this.size(sink);
      await this.#redis.del(this.key(sink));
      return size;
    }
    let deleted = 0;
    for (let from = 0; ;) {
      const picked = await this.pick(sink, { reason, count: PAGE, from });
      if (!picked.length) return deleted;
      await this.remove(sink, picked);
      deleted += picked.length;
      from = picked[picked.length - 1].index + 1 - picked.length;
    }
  }
}
