import { promisify } from 'node:util';
import { constants, zstdCompressSync, zstdDecompress, zstdDecompressSync } from 'node:zlib';
import type { RawEvent } from '../normalize/raw-event.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';
import { bufferToLines } from '../sinks/kit/text-buffer.ts';
import { DecodedSinkEvent, jsonBytes } from '../sinks/kit/json-bytes.ts';
import { LineWriter } from './line-writer.ts';

// Batches cross Redis compressed: security events are repetitive text. zstd level 1 (built into
// Node.js) shrinks a batch of normalised events ~30x in well under a millisecond, several times
// faster and smaller than deflate; measured in test/bench. Synchronous on purpose: zlib's async
// API runs every call through stream machinery on the main thread, which cost more than the
// compression itself. Both kinds of batch are written field by field into one reused buffer.
const COMPRESS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

/** One per thread: batches are encoded synchronously, one at a time. */
const writer = new LineWriter();
const pack = (fill: (line: (text: string) => void, writer: LineWriter) => void): Buffer =>
  writer.write(fill, (bytes) => zstdCompressSync(bytes, COMPRESS));

/** A batch as it crosses Redis: zstd bytes in a binary value, or those bytes in base64 inside JSON job data. */
export type Payload = Buffer | string;
const bytesOf = (payload: Payload): Buffer => (typeof payload === 'string' ? Buffer.from(payload, 'base64') : payload);

/**
 * zstd output in one buffer of the right size. By default zlib fills 16 KB chunks and then
 * concatenates them: for a 2 MB sink batch that is over a hundred steps and every byte allocated
 * twice, and the garbage collector was the largest cost of draining a backlog (npm run bench --
 * replay). A zstd frame written in one shot states its decompressed size in its header.
 */
function decompress(payload: Payload): Buffer {
  const compressed = bytesOf(payload);
  return zstdDecompressSync(compressed, outputOptions(compressed));
}

const zstdDecompressAsync = promisify(zstdDecompress);

/**
 * decompress() on libuv's thread pool. The deliver stage's main thread is what limits how fast a
 * backlog drains, and decompressing a 3 MB sink batch (its fresh output faulted in page by page)
 * was the largest piece of its work: off the thread it costs ~0.3 ms of it instead of ~1.3 ms.
 */
async function decompressAsync(payload: Payload): Promise<Buffer> {
  const compressed = bytesOf(payload);
  return zstdDecompressAsync(compressed, outputOptions(compressed));
}

/** One spare byte, so zlib sees room left and stops instead of allocating another chunk. */
function outputOptions(compressed: Buffer): { chunkSize?: number } {
  const size = frameContentSize(compressed);
  return size !== undefined && size < MAX_SIZED_OUTPUT ? { chunkSize: Math.max(64, size + 1) } : {};
}

const MAX_SIZED_OUTPUT = 256 * 1024 * 1024;
const ZSTD_MAGIC = 0xfd2fb528;

/** Frame_Content_Size from a zstd frame header (RFC 8878 §3.1.1.1), when present. */
export function frameContentSize(frame: Buffer): number | undefined {
  if (frame.length < 6 || frame.readUInt32LE(0) !== ZSTD_MAGIC) return undefined;
  const descriptor = frame[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
  const fieldBytes = sizeFlag === 0 ? singleSegment : [1, 2, 4, 8][sizeFlag]!;
  if (fieldBytes === 0 || frame.length < at + fieldBytes) return undefined;
  if (fieldBytes === 1) return frame[at];
  if (fieldBytes === 2) return frame.readUInt16LE(at) + 256;
  if (fieldBytes === 4) return frame.readUInt32LE(at);
  return Number(frame.readBigUInt64LE(at));
}

/**
 * A raw batch, binary: each event's text as its own UTF-8 bytes rather than a JSON string (whose
 * escaping and parsing of ~1 KB texts was most of what batching cost the listeners' thread), and
 * the fields it shares with its neighbours (format, listener, peer ...) written once per batch:
 *
 *   u32 1                                     version
 *   per event: u32 origin, f64 receivedAt, u32 text bytes, text (UTF-8)
 *   origins: JSON array of { format, input, listener, peer, tags?, cluster?, client? }
 *   u32 where the origins start
 *
 * All integers and floats little-endian. decodeRawBatch also reads a batch of JSON lines, one
 * RawEvent per line (it starts with '{', never with version 1): jobs queued in that form by an
 * earlier vigil can still be waiting in Redis when a new one starts.
 */
const RAW_BINARY = 0x01;
type Origin = Pick<RawEvent, 'format' | 'input' | 'listener' | 'peer' | 'tags' | 'cluster' | 'client'>;

export function encodeRawBatch(events: RawEvent[]): string {
  return encodeRawBytes(events).toString('base64');
}

/** encodeRawBatch's bytes, before base64. */
export function encodeRawBytes(events: RawEvent[]): Buffer {
  return pack((_line, out) => {
    const origins: Origin[] = [];
    const byKey = new Map<string, number>();
    let last: RawEvent | undefined;
    let origin = 0;
    out.uint32(RAW_BINARY);
    for (const event of events) {
      // Events of one connection come in runs: the key is built only when the origin changes.
      if (last === undefined || !sameOrigin(last, event)) {
        const { format, input, listener, peer, tags, cluster, client } = event;
        const key = JSON.stringify([format, input, listener, peer, tags ?? [], cluster ?? '', client ?? null]);
        const entry: Origin = { format, input, listener, peer };
        if (tags?.length) entry.tags = tags;
        if (cluster) entry.cluster = cluster;
        if (client) entry.client = client;
        origin = byKey.get(key) ?? origins.push(entry) - 1;
        byKey.set(key, origin);
        last = event;
      }
      out.uint32(origin);
      out.float64(event.receivedAt);
      const at = out.length;
      out.uint32(0);
      out.patchUint32(at, out.text(event.text));
    }
    const originsAt = out.length;
    out.text(JSON.stringify(origins));
    out.uint32(originsAt);
  });
}

function sameOrigin(a: RawEvent, b: RawEvent): boolean {
  if (a.format !== b.format || a.input !== b.input || a.listener !== b.listener || a.peer !== b.peer || a.cluster !== b.cluster) return false;
  // A connection's events share its one client identity object.
  if (a.client !== b.client) return false;
  // Called per event: no empty arrays made for the events without tags.
  const at = a.tags;
  const bt = b.tags;
  if (!at?.length || !bt?.length) return !at?.length && !bt?.length;
  return at.length === bt.length && at.every((tag, i) => tag === bt[i]);
}

export function decodeRawBatch(payload: Payload): RawEvent[] {
  return [...rawEvents(payload)];
}

/**
 * The events of a raw batch one at a time, each made only when it is reached: the process stage
 * lets each event's text die young instead of holding a whole batch (~1 MB of texts) alive
 * while it works, which every young-generation collection would copy and then promote.
 */
export function* rawEvents(payload: Payload): Generator<RawEvent> {
  const buffer = decompress(payload);
  if (buffer.length < 8 || buffer.readUInt32LE(0) !== RAW_BINARY) {
    for (const line of bufferToLines(buffer)) yield JSON.parse(line) as RawEvent;
    return;
  }
  const originsAt = buffer.readUInt32LE(buffer.length - 4);
  const origins = JSON.parse(buffer.toString('utf8', originsAt, buffer.length - 4)) as Origin[];
  let at = 4;
  while (at < originsAt) {
    const origin = origins[buffer.readUInt32LE(at)]!;
    const receivedAt = buffer.readDoubleLE(at + 4);
    const end = at + 16 + buffer.readUInt32LE(at + 12);
    const event: RawEvent = { format: origin.format, text: buffer.toString('utf8', at + 16, end), receivedAt, input: origin.input, listener: origin.listener, peer: origin.peer };
    if (origin.tags) event.tags = [...origin.tags];
    if (origin.cluster) event.cluster = origin.cluster;
    if (origin.client) event.client = origin.client;
    at = end;
    yield event;
  }
}

/**
 * A sink batch, binary like a raw batch: per event its id, timestamp and JSON text as UTF-8
 * bytes (the JSON is never parsed again on the way out), and the routing fields that events of a
 * batch share (dataset, module, level, cluster, namespace, host, workload) written once per batch
 * and named by number:
 *
 *   u32 2                                     version
 *   per event: u32 routing, u32 id bytes, id, u32 timestamp bytes, timestamp, u32 JSON bytes, JSON
 *   routings: JSON array of { dataset, module, level, cluster?, namespace?, host?, workload? }
 *   u32 where the routings start
 *
 * The deliver stage holds a batch's events until the backend answers, long enough for them to
 * reach V8's old generation, so a decoded event keeps little of its own: its id and timestamp
 * strings, its bytes, and the routing object it shares with its batch. decodeSinkBatch also reads the earlier form, two lines per event (the routing fields as JSON,
 * then the event's JSON; it starts with '{'): batches stored by an earlier vigil can still be
 * waiting in Redis when a new one starts.
 */
const SINK_BINARY = 0x02;
type Routing = Omit<SinkEvent, 'id' | 'timestamp' | 'json'>;

export function encodeSinkBatch(events: SinkEvent[]): string {
  return encodeSinkBytes(events).toString('base64');
}

/** encodeSinkBatch's bytes, before base64: what the shared batch key holds. */
export function encodeSinkBytes(events: SinkEvent[]): Buffer {
  return encodeSinkEvents((add) => events.forEach(add)).z;
}

/**
 * A sink batch of the events `produce` hands to `add`, each written out as it comes, so the JSON
 * texts of a whole batch are never all alive at once (the process stage makes ~3 KB per event).
 */
export function encodeSinkEvents(produce: (add: (event: SinkEvent) => void) => void): { z: Buffer; n: number } {
  let n = 0;
  const z = pack((_line, out) => {
    const routings: Routing[] = [];
    const byKey = new Map<string, number>();
    out.uint32(SINK_BINARY);
    produce((event) => {
      const { dataset, module, level, cluster, namespace, host, workload } = event;
      const key = `${dataset}\u0000${module}\u0000${level}\u0000${cluster ?? ''}\u0000${namespace ?? ''}\u0000${host ?? ''}\u0000${workload ?? ''}`;
      let routing = byKey.get(key);
      if (routing === undefined) {
        const entry: Routing = { dataset, module, level };
        if (cluster !== undefined) entry.cluster = cluster;
        if (namespace !== undefined) entry.namespace = namespace;
        if (host !== undefined) entry.host = host;
        if (workload !== undefined) entry.workload = workload;
        routing = routings.push(entry) - 1;
        byKey.set(key, routing);
      }
      out.uint32(routing);
      sized(out, event.id);
      sized(out, event.timestamp);
      const bytes = jsonBytes(event);
      if (bytes) {
        out.uint32(bytes.length);
        out.bytes(bytes);
      } else {
        sized(out, event.json);
      }
      n++;
    });
    const routingsAt = out.length;
    out.text(JSON.stringify(routings));
    out.uint32(routingsAt);
  });
  return { z, n };
}

/** `text` after its UTF-8 length. */
function sized(out: LineWriter, text: string): void {
  const at = out.length;
  out.uint32(0);
  out.patchUint32(at, out.text(text));
}

export function decodeSinkBatch(payload: Payload): SinkEvent[] {
  return sinkEventsOf(decompress(payload));
}

/** decodeSinkBatch for the deliver stage: the same events, decompressed off the main thread. */
export async function decodeSinkBatchAsync(payload: Payload): Promise<SinkEvent[]> {
  return sinkEventsOf(await decompressAsync(payload));
}

function sinkEventsOf(buffer: Buffer): SinkEvent[] {
  if (buffer.length < 8 || buffer.readUInt32LE(0) !== SINK_BINARY) return sinkEventsOfLines(buffer);
  const routingsAt = buffer.readUInt32LE(buffer.length - 4);
  const routings = JSON.parse(buffer.toString('utf8', routingsAt, buffer.length - 4)) as Routing[];
  const events: SinkEvent[] = [];
  let at = 4;
  while (at < routingsAt) {
    const routing = routings[buffer.readUInt32LE(at)]!;
    const idEnd = at + 8 + buffer.readUInt32LE(at + 4);
    const timestampEnd = idEnd + 4 + buffer.readUInt32LE(idEnd);
    const jsonEnd = timestampEnd + 4 + buffer.readUInt32LE(timestampEnd);
    const id = buffer.toString('utf8', at + 8, idEnd);
    const timestamp = buffer.toString('utf8', idEnd + 4, timestampEnd);
    events.push(new DecodedSinkEvent(id, timestamp, routing, buffer.subarray(timestampEnd + 4, jsonEnd)));
    at = jsonEnd;
  }
  return events;
}

/** The earlier form: two lines per event, the routing fields as JSON, then the event's JSON. */
function sinkEventsOfLines(buffer: Buffer): SinkEvent[] {
  const events: SinkEvent[] = [];
  let start = 0;
  while (start < buffer.length) {
    const metaEnd = lineEnd(buffer, start);
    if (metaEnd + 1 >= buffer.length) break;
    const meta = JSON.parse(buffer.toString('utf8', start, metaEnd)) as SinkEvent;
    const jsonEnd = lineEnd(buffer, metaEnd + 1);
    events.push(new DecodedSinkEvent(meta.id, meta.timestamp, meta, buffer.subarray(metaEnd + 1, jsonEnd)));
    start = jsonEnd + 1;
  }
  return events;
}

const LF = 0x0a;
const lineEnd = (buffer: Buffer, from: number): number => {
  const end = buffer.indexOf(LF, from);
  return end < 0 ? buffer.length : end;
};
