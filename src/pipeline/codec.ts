import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { RawEvent } from './raw-event.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';

// Batches cross Redis compressed: security events are repetitive text. zstd level 1 (built into
// Node.js) shrinks a batch of normalised events ~30x in well under a millisecond, several times
// faster and smaller than deflate; measured in test/bench. Synchronous on purpose: zlib's async
// API runs every call through stream machinery on the main thread, which cost more than the
// compression itself.
const COMPRESS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

const pack = (text: string): string => zstdCompressSync(Buffer.from(text, 'utf8'), COMPRESS).toString('base64');
const unpack = (payload: string): string => zstdDecompressSync(Buffer.from(payload, 'base64')).toString('utf8');

export function encodeRawBatch(events: RawEvent[]): string {
  return pack(JSON.stringify(events));
}

export function decodeRawBatch(payload: string): RawEvent[] {
  return JSON.parse(unpack(payload)) as RawEvent[];
}

type SinkEventMeta = Omit<SinkEvent, 'json'>;

/**
 * Sink batches are two lines per event: the routing fields, then the event's own JSON text,
 * which is never parsed again on the way out (JSON text has no raw newlines).
 */
export function encodeSinkBatch(events: SinkEvent[]): string {
  let text = '';
  for (const { json, ...meta } of events) text += `${JSON.stringify(meta)}\n${json}\n`;
  return pack(text);
}

export function decodeSinkBatch(payload: string): SinkEvent[] {
  const lines = unpack(payload).split('\n');
  const events: SinkEvent[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    events.push({ ...(JSON.parse(lines[i]) as SinkEventMeta), json: lines[i + 1] });
  }
  return events;
}
