import type { SinkDeps } from '../kit/factory.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { LokiClient } from './client.ts';
import type { LokiConfig } from './config.ts';
import { baseLabels, encodeEntry, entryBytes, pushBody, type KnownStreamValues } from './encode.ts';
import { pushByStream } from './push-by-stream.ts';

export class LokiSink implements Sink {
  readonly name: string;
  readonly #config: LokiConfig;
  readonly #base: Record<string, string>;
  readonly #client: LokiClient;
  readonly #known: KnownStreamValues;

  constructor(config: LokiConfig, deps?: Pick<SinkDeps, 'logger' | 'labels' | 'name'>) {
    this.name = deps?.name ?? 'loki';
    this.#config = config;
    this.#base = baseLabels(config.labels);
    this.#client = new LokiClient(config);
    this.#known = { clusters: new Set(deps?.labels?.clusters), namespaces: new Set(deps?.labels?.namespaces) };
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    const options = { metadata: this.#config.structured_metadata, fallbackNanos: BigInt(Date.now()) * 1_000_000n, known: this.#known };
    const entries = events.map((event, position) => encodeEntry(event, position, this.#base, options));
    // Each request is pushed one stream at a time (push-by-stream.ts): entries of a stream side by side
    // fill each request with few streams, so few pushes.
    const byStream = [...entries].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.position - b.position));
    const sorted = await sendBatch(byStream, {
      sizeOf: entryBytes,
      maxBytes: this.#config.max_bytes,
      attempt: (group) => pushByStream(group, (entries) => this.#client.push(pushBody(entries))),
    });
    const outcomes = Array.from<Outcome>({ length: entries.length });
    byStream.forEach((entry, k) => (outcomes[entry.position] = sorted[k]!));
    return outcomes;
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}
