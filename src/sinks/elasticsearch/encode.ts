import { oneLine } from '../kit/one-line.ts';
import { textBuffer } from '../kit/text-buffer.ts';
import type { SinkEvent } from '../kit/types.ts';

/**
 * One bulk item: a `create` action with the event id as `_id` (a redelivered event answers 409,
 * which counts as delivered) and the event as source. The target index travels in the URL
 * (POST /<index>/_bulk), so action lines stay short. Each line ends with "\n", as the bulk API
 * requires of the last line too.
 */
export function encodeBulkItem(event: SinkEvent): string {
  return `{"create":{"_id":${JSON.stringify(event.id)}}}\n${oneLine(event.json)}\n`;
}

/** The NDJSON body of one bulk request from encoded items (each already ends with LF). */
export function bulkBody(items: readonly string[], byteLengths?: readonly number[]): Buffer {
  return textBuffer(items, byteLengths);
}

/** One bulk item as parts: the action line (with its LF) and the source bytes (no LF). */
export interface BulkParts {
  action: string;
  source: Buffer;
  /** Bytes the item adds to the body: action, source and the source's LF. */
  bytes: number;
}

export function bulkParts(id: string, source: Buffer): BulkParts {
  const action = `{"create":{"_id":${JSON.stringify(id)}}}\n`;
  return { action, source, bytes: Buffer.byteLength(action) + source.length + 1 };
}

/** The NDJSON body from item parts, in memory from `allocate`: the sources are copied as bytes, never decoded. */
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
