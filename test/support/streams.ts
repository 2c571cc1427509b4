import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { waitFor } from './memory-sink.ts';
import type { StoredDocument } from './doubles/elasticsearch.ts';

/**
 * Senders that keep streaming numbered events at vigil and remember what vigil acknowledged, for
 * the fault tests: each event carries a marker `m:<prefix>-<n>`, found again in `event.original`.
 */

export interface WebhookStreamOptions {
  /** Parallel senders [4]. */
  concurrency?: number;
  /** Wait between two requests of one sender, ms [5]. */
  pauseMs?: number;
  /** Route [/ingest/json] and the body for a marker [{"marker": "<marker>"}]. */
  path?: string;
  body?: (marker: string) => string;
  /**
   * Send each body again until it is answered 2xx, as the Kubernetes API server does, before
   * moving on [false]; stop() then waits for the body in hand to be accepted.
   */
  retryUntilAccepted?: boolean;
  /** Bodies to send before the senders finish [unbounded]. */
  total?: number;
}

/** Webhook senders: `concurrency` loops POSTing one event each (JSON to /ingest/json by default). */
export class WebhookStream {
  /** Marker → HTTP status answered; 0 = no answer (connection refused or cut, timeout). */
  readonly statuses = new Map<string, number>();
  /** Requests that went out, retries included. */
  requests = 0;
  readonly #port: number;
  readonly #prefix: string;
  readonly #options: Required<WebhookStreamOptions>;
  #next = 0;
  #running: Promise<void>[] = [];
  #stopping = false;
  #abandoned = false;

  constructor(port: number, prefix: string, options: WebhookStreamOptions = {}) {
    this.#port = port;
    this.#prefix = prefix;
    this.#options = {
      concurrency: 4,
      pauseMs: 5,
      path: '/ingest/json',
      body: (marker) => JSON.stringify({ marker }),
      retryUntilAccepted: false,
      total: Infinity,
      ...options,
    };
  }

  start(): this {
    for (let i = 0; i < this.#options.concurrency; i++) this.#running.push(this.#loop());
    return this;
  }

  /** Requests sent so far, answered or not. */
  get sent(): number {
    return this.#next;
  }

  /** Requests still waiting for their answer. */
  get pending(): number {
    return this.#next - this.statuses.size;
  }

  acked(): string[] {
    return [...this.statuses].filter(([, status]) => accepted(status)).map(([marker]) => marker);
  }

  unacked(): string[] {
    return [...this.statuses].filter(([, status]) => !accepted(status)).map(([marker]) => marker);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#running);
  }

  /** Waits until `total` bodies were sent (and, with retryUntilAccepted, accepted). */
  async finished(): Promise<void> {
    await Promise.all(this.#running);
  }

  /** Stops without waiting for bodies in hand to be accepted (cleanup after a failure). */
  async abandon(): Promise<void> {
    this.#abandoned = true;
    await this.stop();
  }

  async #loop(): Promise<void> {
    while (!this.#stopping && this.#next < this.#options.total) {
      const marker = `m:${this.#prefix}-${this.#next++}`;
      const body = this.#options.body(marker);
      let status = await this.#post(body);
      while (this.#options.retryUntilAccepted && !accepted(status) && !this.#abandoned) {
        await sleep(50);
        status = await this.#post(body);
      }
      this.statuses.set(marker, status);
      // A refused connection answers at once: do not spin while vigil is away.
      await sleep(status === 0 ? 50 : this.#options.pauseMs);
    }
  }

  async #post(body: string): Promise<number> {
    this.requests++;
    try {
      const reply = await fetch(`http://127.0.0.1:${this.#port}${this.#options.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      await reply.arrayBuffer();
      return reply.status;
    } catch {
      return 0;
    }
  }
}

const accepted = (status: number): boolean => status >= 200 && status < 300;

/** One syslog-over-TCP connection writing `perTick` LF-framed lines every `intervalMs`. */
export class TcpStream {
  /** Markers whose bytes the kernel took (vigil may not have read them yet). */
  readonly written: string[] = [];
  /** Set when the connection failed (vigil killed). */
  error: Error | undefined;
  readonly #socket: Socket;
  readonly #prefix: string;
  readonly #closed: Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #next = 0;

  readonly #total: number;

  /** `total`: lines to write before it goes quiet [unbounded]. */
  constructor(port: number, prefix: string, options: { intervalMs?: number; perTick?: number; total?: number } = {}) {
    this.#total = options.total ?? Infinity;
    this.#prefix = prefix;
    this.#socket = connect(port, '127.0.0.1');
    this.#socket.on('error', (error) => (this.error = error));
    this.#closed = new Promise((resolve) => this.#socket.once('close', () => resolve()));
    const perTick = options.perTick ?? 5;
    this.#timer = setInterval(() => this.#write(perTick), options.intervalMs ?? 10);
  }

  #write(count: number): void {
    if (this.error || this.#socket.destroyed) return;
    for (let i = 0; i < count && this.#next < this.#total; i++) {
      const marker = `m:${this.#prefix}-${this.#next++}`;
      this.#socket.write(`<13>1 2026-01-01T00:00:00Z host fault-test - - - ${marker}\n`, (error) => {
        if (!error) this.written.push(marker);
      });
    }
  }

  /** Lines handed to the socket so far. */
  get sent(): number {
    return this.#next;
  }

  /** Stops writing, ends the connection once everything written went out, and waits for it to close. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    if (!this.#socket.destroyed) this.#socket.end();
    await this.#closed;
  }
}

/** An ECS event as a sink stored it: the marker is in its `event.original`. */
export interface MarkedEvent { event?: { original?: string } }

/** How many stored documents carry each marker. */
export function markerCounts(documents: StoredDocument[]): Map<string, number> {
  return markerCountsOf(documents.map((doc) => JSON.parse(doc.source) as MarkedEvent));
}

/** How many of these ECS events (from any sink: HEC event objects, Loki lines, file lines) carry each marker. */
export function markerCountsOf(events: Iterable<MarkedEvent>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ecs of events) {
    for (const [marker] of (ecs.event?.original ?? '').matchAll(/m:[\w.-]+/g)) counts.set(marker, (counts.get(marker) ?? 0) + 1);
  }
  return counts;
}

/**
 * What an at-least-once sink (no id to deduplicate on) holds of `expected`: distinct events,
 * extra copies, and acknowledged events missing.
 */
export function copies(counts: Map<string, number>, expected: string[]): { distinct: number; extra: number; missing: number } {
  return {
    distinct: counts.size,
    extra: duplicates(counts).reduce((sum, [, n]) => sum + n - 1, 0),
    missing: expected.filter((m) => !counts.has(m)).length,
  };
}

/** Markers stored more than once, with their counts (an empty list is the passing answer). */
export function duplicates(counts: Map<string, number>): Array<[string, number]> {
  return [...counts].filter(([, n]) => n > 1);
}

/**
 * Waits until a sink holds every expected marker, then a second more (a late redelivery would
 * show up as a second copy by then), and asserts each is stored exactly once and nothing twice.
 * `read` counts what the sink holds now; the last counts are returned.
 */
export async function assertStoredExactlyOnce(
  read: () => Map<string, number> | Promise<Map<string, number>>,
  expected: string[],
  options: { where: string; timeoutMs: number },
): Promise<Map<string, number>> {
  await waitFor(async () => {
    const counts = await read();
    return expected.every((m) => counts.has(m));
  }, options.timeoutMs, `${expected.length} acknowledged events in ${options.where}`);
  await sleep(1000);
  const counts = await read();
  assert.deepEqual(expected.filter((m) => counts.get(m) !== 1), [], 'every acknowledged event stored exactly once');
  assert.deepEqual(duplicates(counts), [], 'no event stored twice');
  return counts;
}
