import { decodeSinkBatchAsync, type Payload } from '../pipeline/codec.ts';
import { sinksOfEvent, type FilterConfig } from '../pipeline/sink-filter.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';

/** One recently processed event as the status page shows it: routing fields and its ECS JSON. */
export interface RecentEvent {
  id: string;
  timestamp: string;
  dataset: string;
  module: string;
  level: string;
  /** log.source.address: the sending peer, ip:port. */
  source: string;
  /** The start of its message, to tell events apart at a glance. */
  message: string;
  /** The sinks it was queued for: those whose filters give it to them. */
  sinks: string[];
  /** The ECS event as every sink receives it. */
  json: string;
}

export interface RecentFilter {
  dataset?: string;
  module?: string;
  severity?: string;
  /** Matches the source address's start, so an IP finds every port of it. */
  source?: string;
  /** Only events queued for this sink. */
  sink?: string;
}

export interface RecentEventsOptions {
  /** Events kept per dataset. */
  perDataset?: number;
  /** Datasets kept (an unknown format cannot grow this without bound). */
  maxDatasets?: number;
  /** Processed batches held, still encoded, until a reader asks. */
  pendingBatches?: number;
  /** Characters of encoded batches held, and of kept events' JSON: vigil's heap is 192 MB. */
  pendingChars?: number;
  keptChars?: number;
  /** This process's sinks and their filters: each event records the sinks it was queued for. */
  sinks?: Array<{ name: string; filter?: FilterConfig }>;
}

/**
 * The latest processed events per dataset, for the status page. The process stage hands over each
 * batch's encoded payload (a reference, no copy, no work on the hot path); batches are decoded only
 * when the page asks, so nobody watching costs nothing. Bounded in encoded batches held (count and
 * size), events per dataset, datasets, and the size of the events kept (the oldest event of the
 * largest dataset goes first). Under a burst, batches older than the last `pendingBatches` are
 * dropped unread, so a rare dataset may miss its latest event then.
 *
 * It holds what THIS process processed: with `role: all` that is everything; with split roles only
 * the process role's status page shows events.
 */
export class RecentEvents {
  readonly #perDataset: number;
  readonly #maxDatasets: number;
  readonly #pendingLimit: number;
  readonly #pendingCharsLimit: number;
  readonly #keptCharsLimit: number;
  #pending: Payload[] = [];
  #pendingChars = 0;
  #keptChars = 0;
  readonly #byDataset = new Map<string, RecentEvent[]>();
  #draining: Promise<void> | undefined;
  readonly #sinksOf: (event: SinkEvent) => string[];

  constructor(options: RecentEventsOptions = {}) {
    this.#perDataset = options.perDataset ?? 20;
    this.#maxDatasets = options.maxDatasets ?? 64;
    this.#pendingLimit = options.pendingBatches ?? 32;
    this.#pendingCharsLimit = options.pendingChars ?? 8 * 1024 * 1024;
    this.#keptCharsLimit = options.keptChars ?? 8 * 1024 * 1024;
    this.#sinksOf = sinksOfEvent(options.sinks ?? []);
  }

  /** Called once per processed batch with its encoded sink payload (codec.ts). */
  add(payload: Payload): void {
    this.#pending.push(payload);
    this.#pendingChars += payload.length;
    // The newest batch stays even when it alone is over the size limit.
    while (this.#pending.length > 1 && (this.#pending.length > this.#pendingLimit || this.#pendingChars > this.#pendingCharsLimit)) {
      this.#pendingChars -= this.#pending.shift()!.length;
    }
  }

  /** The kept events matching the filter, newest first, grouped by dataset (datasets sorted). */
  async latest(filter: RecentFilter = {}): Promise<Record<string, RecentEvent[]>> {
    await this.#drain();
    const result: Record<string, RecentEvent[]> = {};
    for (const dataset of [...this.#byDataset.keys()].sort()) {
      const events = this.#byDataset.get(dataset)!.filter((e) => matchesFilter(e, filter));
      if (events.length) result[dataset] = events.toReversed();
    }
    return result;
  }

  /** Concurrent readers share one decode pass. */
  #drain(): Promise<void> {
    this.#draining ??= this.#decodePending().finally(() => (this.#draining = undefined));
    return this.#draining;
  }

  async #decodePending(): Promise<void> {
    while (this.#pending.length) {
      const batch = this.#pending.shift()!;
      this.#pendingChars -= batch.length;
      const events = await decodeSinkBatchAsync(batch);
      // Only the tail of a batch can stay per dataset: skip the rest without parsing its JSON.
      const take = new Map<string, number>();
      const kept: typeof events = [];
      for (let i = events.length - 1; i >= 0; i--) {
        const n = take.get(events[i].dataset) ?? 0;
        if (n >= this.#perDataset) continue;
        take.set(events[i].dataset, n + 1);
        kept.push(events[i]);
      }
      for (const event of kept.reverse()) this.#keep(event);
    }
  }

  #keep(event: SinkEvent): void {
    let ring = this.#byDataset.get(event.dataset);
    if (!ring) {
      if (this.#byDataset.size >= this.#maxDatasets) return;
      ring = [];
      this.#byDataset.set(event.dataset, ring);
    }
    ring.push({ id: event.id, timestamp: event.timestamp, dataset: event.dataset, module: event.module, level: event.level, ...glance(event.json), sinks: this.#sinksOf(event), json: event.json });
    this.#keptChars += event.json.length;
    if (ring.length > this.#perDataset) this.#keptChars -= ring.shift()!.json.length;
    while (this.#keptChars > this.#keptCharsLimit) this.#evictFromLargest();
  }

  #evictFromLargest(): void {
    let largest: RecentEvent[] | undefined;
    let largestChars = 0;
    for (const ring of this.#byDataset.values()) {
      const chars = ring.reduce((sum, e) => sum + e.json.length, 0);
      if (chars > largestChars) [largest, largestChars] = [ring, chars];
    }
    if (!largest) {
      this.#keptChars = 0;
      return;
    }
    this.#keptChars -= largest.shift()!.json.length;
  }
}

/** log.source.address and the first 160 characters of message, from the ECS JSON. */
function glance(json: string): { source: string; message: string } {
  const ecs = parseEcs(json);
  return { source: sourceOf(ecs), message: typeof ecs.message === 'string' ? ecs.message.slice(0, 160) : '' };
}

/** log.source.address from an event's ECS JSON ('' when it has none). */
export function eventSource(json: string): string {
  return sourceOf(parseEcs(json));
}

type EcsGlance = { message?: unknown; log?: { source?: { address?: unknown } } };

function parseEcs(json: string): EcsGlance {
  try {
    return JSON.parse(json) as EcsGlance;
  } catch {
    return {};
  }
}

function sourceOf(ecs: EcsGlance): string {
  const address = ecs.log?.source?.address;
  return typeof address === 'string' ? address : '';
}

/** The filter `vigil tap` and the status page share; the source matches by its start, so an IP finds every port. */
export function matchesFilter(event: Pick<RecentEvent, 'dataset' | 'module' | 'level' | 'source' | 'sinks'>, filter: RecentFilter): boolean {
  return (!filter.dataset || event.dataset === filter.dataset)
    && (!filter.module || event.module === filter.module)
    && (!filter.severity || event.level === filter.severity)
    && (!filter.source || event.source.startsWith(filter.source))
    && (!filter.sink || event.sinks.includes(filter.sink));
}
