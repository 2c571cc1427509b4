import { jsonBytes } from '../kit/json-bytes.ts';
import { oneLine } from '../kit/one-line.ts';
import type { SinkEvent } from '../kit/types.ts';

/** One bulk item as parts: the action line (with its LF) and the source bytes (no LF). */
export interface BulkParts {
  action: string;
  source: Buffer;
  /** Bytes the item adds to the body: action, source and the source's LF. */
  bytes: number;
}

/**
 * One bulk item: a `create` action with the event id as `_id` (a redelivered event answers 409,
 * which counts as delivered) and the event as source. The target index travels in the URL
 * (POST /<index>/_bulk), so action lines stay short. Events straight from a sink batch carry
 * their JSON as bytes, one line already (JSON text has no raw newlines): copied as they are;
 * other event JSON is put on one line first.
 */
export function bulkItem(event: SinkEvent): BulkParts {
  const source = jsonBytes(event) ?? Buffer.from(oneLine(event.json));
  const action = `{"create":{"_id":${JSON.stringify(event.id)}}}\n`;
  return { action, source, bytes: Buffer.byteLength(action) + source.length + 1 };
}

/**
 * The NDJSON body from items, in memory from `allocate`: the sources are copied as bytes, never
 * decoded. Every line ends with "\n", as the bulk API requires of the last line too.
 */
export function bulkBodyFromParts(items: readonly BulkParts[], allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let total = 0;
  for (const item of items) total += item.bytes;
  const buffer = allocate(total);
  let offset = 0;
  for (const item of items) {
    offset += buffer.write(item.action, offset);
    offset += item.source.copy(buffer, offset);
    buffer[offset++] = 0x0a;
  }
  return buffer;
}
