import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Steady load from real senders for the sink contract suite: one syslog-over-TCP connection
 * (RFC 5424, LF framing, as NeuVector and rsyslog send) and a webhook client posting small
 * NDJSON bodies to /ingest/json, each event carrying a unique marker (`ct-<run>-<n>`) so what a
 * backend stored can be matched against what was handed over. The webhook client behaves like
 * Alertmanager: a non-2xx answer or a refused connection is retried until vigil takes the body.
 */
export interface SteadyLoadOptions {
  tcpPort: number;
  httpPort: number;
  /** Events per tick on each sender; a tick is every 100 ms, so 2 × 10 × perTick events/s. */
  perTick?: number;
  /** Every `poisonEvery`-th event is marked poison (`ct-<run>-<n>-poison`); 0 = none. */
  poisonEvery?: number;
}

export const MARKER = /ct-[0-9a-f]{8}-\d+(?:-poison)?/g;

export class SteadyLoad {
  readonly run = randomBytes(4).toString('hex');
  /** Markers handed over: written to the TCP socket, or accepted by a webhook with 2xx. */
  readonly handedOver: string[] = [];
  /** When each marker was handed over (epoch ms). */
  readonly handedOverAt = new Map<string, number>();
  /** Statuses the webhook client got, in order (0 = no HTTP answer). */
  readonly webhookStatuses: number[] = [];
  readonly #options: Required<SteadyLoadOptions>;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #socket: Socket | undefined;
  #posting: Promise<void> = Promise.resolve();
  #stopped = false;
  #aborted = false;

  constructor(options: SteadyLoadOptions) {
    this.#options = { perTick: 5, poisonEvery: 0, ...options };
  }

  async start(): Promise<void> {
    this.#socket = await new Promise<Socket>((resolve, reject) => {
      const socket = connect(this.#options.tcpPort, '127.0.0.1', () => resolve(socket));
      socket.once('error', reject);
    });
    this.#timer = setInterval(() => this.#tick(), 100);
  }

  /** Stops sending; resolves once the TCP stream is flushed and every webhook body was accepted. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#posting;
    const socket = this.#socket;
    if (socket) await new Promise<void>((resolve) => socket.end(resolve));
  }

  /** Stops at once, for cleanup after a failure: nothing more is sent or retried. */
  abort(): void {
    this.#stopped = true;
    this.#aborted = true;
    clearInterval(this.#timer);
    this.#socket?.destroy();
  }

  poison(): string[] {
    return this.handedOver.filter((marker) => marker.endsWith('-poison'));
  }

  #next(): string {
    const n = ++this.#seq;
    const poison = this.#options.poisonEvery > 0 && n % this.#options.poisonEvery === 0;
    return `ct-${this.run}-${n}${poison ? '-poison' : ''}`;
  }

  #tick(): void {
    const { perTick } = this.#options;
    const tcp = Array.from({ length: perTick }, () => this.#next());
    const lines = tcp.map((marker) => `<134>1 ${new Date().toISOString()} contract-host contract 1 - - event ${marker}\n`).join('');
    this.#socket!.write(lines);
    const now = Date.now();
    for (const marker of tcp) this.#handOver(marker, now);

    const webhook = Array.from({ length: perTick }, () => this.#next());
    // Bodies go one after another, so a slow or refusing vigil holds the client back as it would a real one.
    this.#posting = this.#posting.then(() => this.#post(webhook));
  }

  async #post(markers: string[]): Promise<void> {
    const body = markers.map((marker) => JSON.stringify({ message: `event ${marker}`, source: 'contract' })).join('\n');
    for (;;) {
      let status = 0;
      try {
        const reply = await fetch(`http://127.0.0.1:${this.#options.httpPort}/ingest/json`, {
          method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' },
        });
        status = reply.status;
        await reply.arrayBuffer();
      } catch {
        status = 0;
      }
      this.webhookStatuses.push(status);
      if (this.#aborted) return;
      if (status >= 200 && status < 300) break;
      await new Promise((r) => setTimeout(r, this.#stopped ? 50 : 200));
    }
    const now = Date.now();
    for (const marker of markers) this.#handOver(marker, now);
  }

  #handOver(marker: string, at: number): void {
    this.handedOver.push(marker);
    this.handedOverAt.set(marker, at);
  }
}

/** How often each marker occurs across stored documents (a document counts once per marker). */
export function markerCounts(documents: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const doc of documents) {
    for (const marker of new Set(doc.match(MARKER) ?? [])) counts.set(marker, (counts.get(marker) ?? 0) + 1);
  }
  return counts;
}

/** The ECS event ids of stored documents that appear more than once. */
export function duplicateIds(documents: readonly string[]): string[] {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const doc of documents) {
    const id = (JSON.parse(doc) as { event?: { id?: string } }).event?.id ?? '';
    if (seen.has(id)) duplicates.push(id);
    seen.add(id);
  }
  return duplicates;
}
