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
