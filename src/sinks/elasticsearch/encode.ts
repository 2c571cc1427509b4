import { jsonBytes } from '../kit/json-bytes.ts';
import { oneLine } from '../kit/one-line.ts';
import type { SinkEvent } from '../kit/types.ts';

/**
 * One bulk item as parts, put together only when the body is written: its target's bytes, the
 * _id as a JSON string, and the event's JSON bytes, whose opening brace the target's bytes
 * replace. The items live until the backend answers (retries need them), so they are kept to
 * references: no action line string, no view on the JSON per event.
 */
export interface BulkParts {
  target: StreamTarget;
  id: string;
  json: Buffer;
  /** Bytes the item adds to the body, LFs included. */
  bytes: number;
}

/** Where an event goes: its data stream, and the `data_stream` object its document carries. */
export interface StreamTarget {
  /** The action line's start, up to the _id: `{"create":{"_index":"logs-…","_id":`. */
  actionHead: Buffer;
  /** From the end of the action line to the document's first field: `}}` LF `{"data_stream":{"type":…,"dataset":…,"namespace":…}`. */
  sourceHead: Buffer;
}

export function streamTarget(index: string, dataStream: { type: string; dataset: string; namespace: string }): StreamTarget {
  return {
    actionHead: Buffer.from(`{"create":{"_index":${JSON.stringify(index)},"_id":`),
    sourceHead: Buffer.from(`}}\n{"data_stream":${JSON.stringify(dataStream)}`),
  };
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
  const id = JSON.stringify(event.id);
  // The source's bytes after its `{`, a `,` before them unless the document is empty (`{}`), and the LF.
  const source = json.length <= 2 ? json.length : json.length + 1;
  return { target, id, json, bytes: target.actionHead.length + Buffer.byteLength(id) + target.sourceHead.length + source };
}

const COMMA = 0x2c;
const LF = 0x0a;

/**
 * The NDJSON body from items, in memory from `allocate`: the sources are copied as bytes, never
 * decoded. Every line ends with "\n", as the bulk API requires of the last line too.
 */
export function bulkBodyFromParts(items: readonly BulkParts[], allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let total = 0;
  for (const item of items) total += item.bytes;
  const buffer = allocate(total);
  let offset = 0;
  for (const { target, id, json } of items) {
    offset += target.actionHead.copy(buffer, offset);
    offset += buffer.write(id, offset);
    offset += target.sourceHead.copy(buffer, offset);
    if (json.length > 2) buffer[offset++] = COMMA;
    offset += json.copy(buffer, offset, 1);
    buffer[offset++] = LF;
  }
  return buffer;
}
