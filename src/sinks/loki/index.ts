import { knownOrOther } from '../../observability/security-events.ts';
import type { SinkDeps, SinkFactory } from '../index.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { LokiClient } from './client.ts';
import { lokiSchema, type LokiConfig } from './config.ts';
import { baseLabels, encodeEntry, entryBytes, pushBody } from './encode.ts';
import { pushResolved } from './resolve.ts';

export class LokiSink implements Sink {
  readonly name = 'loki';
  readonly #config: LokiConfig;
  readonly #base: Record<string, string>;
  readonly #client: LokiClient;
  readonly #clusters: ReadonlySet<string>;
  readonly #namespaces: ReadonlySet<string>;

  constructor(config: LokiConfig, deps?: Pick<SinkDeps, 'logger' | 'labels'>) {
    this.#config = config;
    this.#base = baseLabels(config.labels);
    this.#client = new LokiClient(config);
    this.#clusters = new Set(deps?.labels?.clusters);
    this.#namespaces = new Set(deps?.labels?.namespaces);
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    const options = { metadata: this.#config.structured_metadata, fallbackNanos: BigInt(Date.now()) * 1_000_000n };
    const entries = events.map((event, position) => encodeEntry(this.#withKnownLabels(event), position, this.#base, options));
    return sendBatch(entries, {
      sizeOf: entryBytes,
      maxBytes: this.#config.max_bytes,
      attempt: (group) => pushResolved(group, (entries) => this.#client.push(pushBody(entries))),
    });
  }

  /**
   * Cluster and namespace become stream labels, and senders write them: only configured values
   * are kept (labels.*), others are _other, so forged names cannot multiply Loki's streams. The
   * line keeps the real values for queries (`| json`).
   */
  #withKnownLabels(event: SinkEvent): SinkEvent {
    if (event.cluster === undefined && event.namespace === undefined) return event;
    const bounded = { ...event };
    if (event.cluster !== undefined) bounded.cluster = knownOrOther(event.cluster, this.#clusters);
    if (event.namespace !== undefined) bounded.namespace = knownOrOther(event.namespace, this.#namespaces);
    return bounded;
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}

export const loki: SinkFactory<LokiConfig> = {
  schema: lokiSchema,
  create: (config, deps) => new LokiSink(config, deps),
};
