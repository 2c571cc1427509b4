import type { SinkEvent } from './types.ts';

/**
 * A sink event decoded from a sink batch: its JSON text stays the UTF-8 bytes it was decoded from
 * until something reads `json`. A sink that sends bytes (the Elasticsearch bulk body) copies them
 * as they are instead of decoding ~3 KB per event to a string and encoding it back (measured in
 * `npm run bench -- replay`). The bytes hold no LF (they were one line of the batch).
 *
 * A class, so every decoded event shares one shape and the `json` accessor lives on the prototype:
 * an accessor defined on each object with closures of its own turned every event into a
 * dictionary-mode object, ~1.5 KB of garbage apiece, and garbage collection was the largest cost
 * of draining a backlog. Copies and serialisations (dead letters, retried batches) go through
 * toJSON() or read `json` by name; the bytes are private and never travel with them.
 */
export class DecodedSinkEvent implements SinkEvent {
  #bytes: Buffer | undefined;
  #text: string | undefined;

  constructor(meta: Omit<SinkEvent, 'json'>, bytes: Buffer) {
    this.id = meta.id;
    this.timestamp = meta.timestamp;
    this.dataset = meta.dataset;
    this.module = meta.module;
    this.level = meta.level;
    this.cluster = meta.cluster;
    this.namespace = meta.namespace;
    this.host = meta.host;
    this.workload = meta.workload;
    this.#bytes = bytes;
  }

  get json(): string {
    return (this.#text ??= this.#bytes!.toString('utf8'));
  }

  /** A new text replaces the bytes: they no longer say the same. */
  set json(text: string) {
    this.#text = text;
    this.#bytes = undefined;
  }

  get bytes(): Buffer | undefined {
    return this.#bytes;
  }

  /** A plain event, as JSON.stringify writes it (undefined fields left out). */
  toJSON(): SinkEvent {
    const { id, timestamp, dataset, module, level, cluster, namespace, host, workload } = this;
    const plain: SinkEvent = { id, timestamp, dataset, module, level, json: this.json };
    if (cluster !== undefined) plain.cluster = cluster;
    if (namespace !== undefined) plain.namespace = namespace;
    if (host !== undefined) plain.host = host;
    if (workload !== undefined) plain.workload = workload;
    return plain;
  }
}

/** The routing fields are SinkEvent's own, declared once there (the class assigns them all, in one order, for one shape). */
export interface DecodedSinkEvent extends Omit<SinkEvent, 'json'> {}

/** The event's JSON text as bytes, when it came out of a sink batch unchanged. */
export function jsonBytes(event: SinkEvent): Buffer | undefined {
  return event instanceof DecodedSinkEvent ? event.bytes : undefined;
}
