import { jsonBytes } from '../kit/json-bytes.ts';
import { oneLine } from '../kit/one-line.ts';
import type { SinkEvent } from '../kit/types.ts';

/** One bulk item as parts: the action line with its LF and the head of the source, then the rest of the source bytes (no LF). */
export interface BulkParts {
  action: string;
  source: Buffer;
  /** Bytes the item adds to the body: action, source and the source's LF. */
  bytes: number;
}

/** Where an event goes: its data stream, and the `data_stream` object its document carries. */
export interface StreamTarget {
  /** The action line's start, up to the _id: `{"create":{"_index":"logs-…","_id":`. */
  actionHead: string;
  /** `"data_stream":{"type":…,"dataset":…,"namespace":…}`: written first in the document. */
  field: string;
}

export function streamTarget(index: string, dataStream: { type: string; dataset: string; namespace: string }): StreamTarget {
  return { actionHead: `{"create":{"_index":${JSON.stringify(index)},"_id":`, field: `"data_stream":${JSON.stringify(dataStream)}` };
}

/**
 * One bulk item: a `create` action into the event's data stream with the event id as `_id` (a
 * redelivered event answers 409, which counts as delivered), and the event as source with
 * `data_stream` put first. Events straight from a sink batch carry their JSON as bytes, one line
 * already (JSON text has no raw newlines): the bytes after their opening brace are copied as
 * they are, never decoded; other event JSON is put on one line first. The event JSON never holds
 * `data_stream` itself (the namespace is each sink's), so the key is not written twice.
 */
export function bulkItem(event: SinkEvent, target: StreamTarget): BulkParts {
  const json = jsonBytes(event) ?? Buffer.from(oneLine(event.json));
  const empty = json.length <= 2; // `{}`
  const action = `${target.actionHead}${JSON.stringify(event.id)}}}\n{${target.field}${empty ? '' : ','}`;
  const source = json.subarray(1);
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
