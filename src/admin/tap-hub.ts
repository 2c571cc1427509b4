import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection.ts';
import type { Logger } from '../telemetry/logger.ts';
import { tapChannel, tapListeningKey } from '../pipeline/queues.ts';
import type { TapMessage } from './tap-publisher.ts';

export class TooManyTapsError extends Error {}

export interface TapHubOptions {
  prefix: string;
  logger: Logger;
  /** Tap clients one admin listener serves at once. */
  maxClients?: number;
  /** How often the listening flag is set again while clients are connected, and how long it lives. */
  refreshMs?: number;
  flagTtlMs?: number;
}

/**
 * The admin listener's side of `vigil tap`: one Redis subscription per process, shared by every
 * connected tap client, so one client or eight cost the same to Redis. While any client is
 * connected it keeps the listening flag set (with an expiry, so a crashed node cannot leave every
 * process publishing); each process stage reads that flag and publishes what it processes.
 */
export class TapHub {
  readonly #redis: RedisClient;
  readonly #options: Required<TapHubOptions>;
  readonly #clients = new Set<(message: TapMessage) => void>();
  #subscriber: RedisClient | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(redis: RedisClient, options: TapHubOptions) {
    this.#redis = redis;
    this.#options = { maxClients: 8, refreshMs: 2_000, flagTtlMs: 6_000, ...options };
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Calls `deliver` with every message until the returned function is called. */
  async subscribe(deliver: (message: TapMessage) => void): Promise<() => void> {
    if (this.#clients.size >= this.#options.maxClients) throw new TooManyTapsError(`${this.#options.maxClients} tap clients are connected to this admin listener already`);
    this.#clients.add(deliver);
    try {
      if (!this.#subscriber) await this.#open();
    } catch (error) {
      this.#clients.delete(deliver);
      // The next client tries a fresh connection rather than a half-open one.
      if (this.#clients.size === 0) this.#shut();
      throw error;
    }
    return () => {
      if (this.#clients.delete(deliver) && this.#clients.size === 0) this.#shut();
    };
  }

  close(): void {
    this.#clients.clear();
    this.#shut();
  }

  async #open(): Promise<void> {
    // A connection in subscriber mode takes no other commands: its own, with the same endpoint.
    // In a Cluster, PUBLISH reaches subscribers on every node (https://redis.io/docs/latest/develop/interact/pubsub/).
    const subscriber = this.#redis instanceof Cluster
      ? this.#redis.duplicate([], { lazyConnect: true })
      : this.#redis.duplicate({ lazyConnect: true, maxRetriesPerRequest: 2 });
    subscriber.on('error', (error) => this.#options.logger.debug({ error }, 'Tap subscription: Redis connection error'));
    subscriber.on('message', (_channel: string, text: string) => {
      let message: TapMessage;
      try {
        message = JSON.parse(text) as TapMessage;
      } catch {
        return;
      }
      for (const deliver of this.#clients) deliver(message);
    });
    this.#subscriber = subscriber;
    await subscriber.connect();
    await subscriber.subscribe(tapChannel(this.#options.prefix));
    await this.#raiseFlag();
    this.#timer = setInterval(() => void this.#raiseFlag().catch(() => undefined), this.#options.refreshMs);
    this.#timer.unref();
  }

  #raiseFlag(): Promise<unknown> {
    return this.#redis.set(tapListeningKey(this.#options.prefix), '1', 'PX', this.#options.flagTtlMs);
  }

  #shut(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    // The flag is left to expire: another node's tap clients may still want it.
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }
}
