import type { SinkEvent } from './types.ts';

const JSON_BYTES = Symbol('jsonBytes');

/**
 * The event's JSON text as the UTF-8 bytes it was decoded from, when it came out of a sink batch
 * unchanged: a sink that sends bytes (the Elasticsearch bulk body) copies them as they are instead
 * of decoding ~3 KB per event to a string and encoding it back (measured in `npm run bench --
 * replay`). The bytes hold no LF (they were one line of the batch).
 */
export function jsonBytes(event: SinkEvent): Buffer | undefined {
  return (event as { [JSON_BYTES]?: Buffer })[JSON_BYTES];
}

/**
 * `json` becomes a lazy, cached decode of `bytes`: still an ordinary enumerable property for
 * spreads and JSON.stringify (dead letters, retried batches), decoded only when someone reads it.
 * The bytes ride along as a non-enumerable symbol, so copies and serialisations never carry them.
 */
export function withJsonBytes(event: SinkEvent, bytes: Buffer): SinkEvent {
  let text: string | undefined;
  Object.defineProperty(event, JSON_BYTES, { value: bytes, enumerable: false, writable: true });
  Object.defineProperty(event, 'json', {
    enumerable: true,
    configurable: true,
    get: () => (text ??= bytes.toString('utf8')),
    set: (value: string) => {
      text = value;
      (event as { [JSON_BYTES]?: Buffer })[JSON_BYTES] = undefined;
    },
  });
  return event;
}
