import { deflateRaw, inflateRaw, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { RawEvent } from './raw-event.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';

// Batches cross Redis compressed: security events are repetitive text and shrink ~5-10x, which
// is what keeps Redis memory and AOF writes small. Level 1 because the CPU is better spent parsing.
// zlib runs on libuv's thread pool, off the event loop that serves the listeners.
const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
const LEVEL = { level: constants.Z_BEST_SPEED };

export async function encodeRawBatch(events: RawEvent[]): Promise<string> {
  return (await deflate(JSON.stringify(events), LEVEL)).toString('base64');
}

export async function decodeRawBatch(payload: string): Promise<RawEvent[]> {
  return JSON.parse((await inflate(Buffer.from(payload, 'base64'))).toString('utf8')) as RawEvent[];
}

type SinkEventMeta = Omit<SinkEvent, 'json'>;

/**
 * Sink batches are two lines per event: the routing fields, then the event's own JSON text,
 * which is never parsed again on the way out (JSON text has no raw newlines).
 */
export async function encodeSinkBatch(events: SinkEvent[]): Promise<string> {
  let text = '';
  for (const { json, ...meta } of events) text += `${JSON.stringify(meta)}\n${json}\n`;
  return (await deflate(text, LEVEL)).toString('base64');
}

export async function decodeSinkBatch(payload: string): Promise<SinkEvent[]> {
  const lines = (await inflate(Buffer.from(payload, 'base64'))).toString('utf8').split('\n');
  const events: SinkEvent[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    events.push({ ...(JSON.parse(lines[i]) as SinkEventMeta), json: lines[i + 1] });
  }
  return events;
}
