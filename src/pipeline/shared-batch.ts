import type { Cluster, Redis } from 'ioredis';
import { sinkJobId, type KeyLayout } from './queues.ts';
import type { RedisClient } from '../redis/redis-connection.ts';

const PAYLOAD = 'z';
const PENDING = 'pending';
const SINK = 'sink:';

// KEYS[1]: the batch. ARGV: the payload, then the sinks whose jobs will read it. Writes the
// payload unless it is there, and a claim for each sink that holds none yet (a redone fan-out
// passes only the sinks it adds a job for).
const STORE = `
redis.call('HSETNX', KEYS[1], '${PAYLOAD}', ARGV[1])
local added = 0
for i = 2, #ARGV do added = added + redis.call('HSETNX', KEYS[1], '${SINK}' .. ARGV[i], '1') end
redis.call('HINCRBY', KEYS[1], '${PENDING}', added)`;

// KEYS[1]: the batch. ARGV[1]: the sink that finished with it. Idempotent: a sink is counted
// once however often it is released, and a batch already deleted stays deleted.
const RELEASE = `
if redis.call('HDEL', KEYS[1], '${SINK}' .. ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[1], '${PENDING}', -1) <= 0 then
  redis.call('DEL', KEYS[1])
end`;

/** SCAN page size of the sweep: one round trip per this many keys of the whole keyspace. */
const SWEEP_PAGE = 1000;

/**
 * The sink-ready batch of one raw batch, stored once and read by the job of every sink: one Redis
 * hash under `<prefix>:batch:<id>` (queues.ts keyLayout; one key, so one Cluster slot for everything
 * the scripts touch) with
 *
 *   z            the batch (codec.ts encodeSinkBytes), binary: no base64, no copy per sink
 *   sink:<name>  one field per sink whose job has not finished with it
 *   pending      how many of those fields are left
 *
 * A sink's job releases its field once BullMQ has completed it; the last release deletes the key.
 * A crash or a Redis error between the completion and the release leaves the key behind: sweep()
 * finds those. The key is written before any sink job names it, so Redis (AOF, in order) never
 * holds a job whose batch it lost.
 */
export class SharedBatches {
  readonly #redis: RedisClient;
  readonly #keys: KeyLayout;

  constructor(redis: RedisClient, keys: KeyLayout) {
    this.#redis = redis;
    this.#keys = keys;
  }

  #key(id: string): string {
    return this.#keys.batch(id);
  }

  /** Stores batch `id` (unless it is there) and a claim on it for each of `sinks` (that has none). */
  async store(id: string, payload: Buffer, sinks: string[]): Promise<void> {
    await this.#redis.eval(STORE, 1, this.#key(id), payload, ...sinks);
  }

  /** The batch's bytes, or null when it is not (or no longer) in Redis. */
  read(id: string): Promise<Buffer | null> {
    return this.#redis.hgetBuffer(this.#key(id), PAYLOAD);
  }

  /** `sink` is done with batch `id`: deletes the batch when it was the last one. */
  async release(id: string, sink: string): Promise<void> {
    await this.#redis.eval(RELEASE, 1, this.#key(id), sink);
  }

  /**
   * Deletes the batches no job will ever read: their raw batch's job is gone (so its fan-out
   * finished: every sink job that will name the batch was added before) and so is the job of
   * every sink still holding it (finished; a re-add of a finished sink job is deduplicated, see
   * sinkJobOptions). Both facts, checked in that order, can only stay true, so a batch a job may
   * still read is never deleted, however old, and one a sink is waiting to deliver never. Returns
   * how many it deleted.
   */
  async sweep(): Promise<number> {
    // The prefix is any string: glob characters in it match only themselves.
    const pattern = `${this.#key('').replace(/[*?[\]\\]/g, '\\$&')}*`;
    const idAt = this.#key('').length;
    let deleted = 0;
    // SCAN walks one server's keys: on a Cluster, every master's.
    const servers = this.#keys.cluster ? (this.#redis as Cluster).nodes('master') : [this.#redis as Redis];
    for (const server of servers) deleted += await this.#sweepServer(server, pattern, idAt);
    return deleted;
  }

  async #sweepServer(server: Redis, pattern: string, idAt: number): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', SWEEP_PAGE);
      cursor = next;
      const settled = await Promise.all(keys.map(async (key) => {
        const id = key.slice(idAt);
        if (await this.#redis.exists(this.#keys.job(this.#keys.ingestQueue, id))) return false;
        const sinks = (await this.#redis.hkeys(key)).filter((f) => f.startsWith(SINK)).map((f) => f.slice(SINK.length));
        const live = await Promise.all(sinks.map((sink) => this.#redis.exists(this.#keys.job(this.#keys.sinkQueue(sink), sinkJobId(id, sink)))));
        return live.every((n) => n === 0);
      }));
      const orphans = keys.filter((_, i) => settled[i]);
      // One key per command: keys of one page may live in different Cluster slots.
      for (const n of await Promise.all(orphans.map((key) => this.#redis.del(key)))) deleted += n;
    } while (cursor !== '0');
    return deleted;
  }
}
