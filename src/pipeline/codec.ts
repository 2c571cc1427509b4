import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { RawEvent } from './raw-event.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';
import { bufferToLines, linesToBuffer } from '../sinks/kit/text-buffer.ts';
import { withJsonBytes } from '../sinks/kit/json-bytes.ts';

// Batches cross Redis compressed: security events are repetitive text. zstd level 1 (built into
// Node.js) shrinks a batch of normalised events ~30x in well under a millisecond, several times
// faster and smaller than deflate; measured in test/bench. Synchronous on purpose: zlib's async
// API runs every call through stream machinery on the main thread, which cost more than the
// compression itself. Both kinds of batch are lines of JSON, written and read line by line.
const COMPRESS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

const pack = (lines: string[]): string => zstdCompressSync(linesToBuffer(lines), COMPRESS).toString('base64');
const unpack = (payload: string): string[] => bufferToLines(zstdDecompressSync(Buffer.from(payload, 'base64')));

export function encodeRawBatch(events: RawEvent[]): string {
  return pack(events.map((event) => JSON.stringify(event)));
}

export function decodeRawBatch(payload: string): RawEvent[] {
  return unpack(payload).map((line) => JSON.parse(line) as RawEvent);
}

/**
 * Sink batches are two lines per event: the routing fields, then the event's own JSON text,
 * which is never parsed again on the way out (JSON text has no raw newlines).
 */
export function encodeSinkBatch(events: SinkEvent[]): string {
  const lines: string[] = [];
  for (const { json, ...meta } of events) lines.push(JSON.stringify(meta), json);
  return pack(lines);
}

export function decodeSinkBatch(payload: string): SinkEvent[] {
  const buffer = zstdDecompressSync(Buffer.from(payload, 'base64'));
  const events: SinkEvent[] = [];
  let start = 0;
  while (start < buffer.length) {
    const metaEnd = lineEnd(buffer, start);
    if (metaEnd + 1 >= buffer.length) break;
    const event = JSON.parse(buffer.toString('utf8', start, metaEnd)) as SinkEvent;
    const jsonEnd = lineEnd(buffer, metaEnd + 1);
    events.push(withJsonBytes(event, buffer.subarray(metaEnd + 1, jsonEnd)));
    start = jsonEnd + 1;
  }
  return events;
}

const LF = 0x0a;
const lineEnd = (buffer: Buffer, from: number): number => {
  const end = buffer.indexOf(LF, from);
  return end < 0 ? buffer.length : end;
};
