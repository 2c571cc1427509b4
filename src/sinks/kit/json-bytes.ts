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

  /** `routing`: the fields besides id and timestamp, an object that events of one batch share. */
  constructor(id: string, timestamp: string, routing: Omit<SinkEvent, 'id' | 'timestamp' | 'json'>, bytes: Buffer) {
    this.id = id;
    this.timestamp = timestamp;
    this.dataset = routing.dataset;
    this.module = routing.module;
    this.level = routing.level;
    this.cluster = routing.cluster;
    this.namespace = routing.namespace;
    this.host = routing.host;
    this.workload = routing.workload;
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
