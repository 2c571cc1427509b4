import { normalize } from '../normalize/index.ts';
import { decodeRawBatch, encodeSinkBatch } from './codec.ts';
import { toSinkEvent } from './to-sink-event.ts';

/** What the process stage makes of one raw batch: the sink payload and what each format produced. */
export interface ProcessedBatch {
  /** Encoded sink batch (codec.ts), undefined when the batch produced no events. */
  z?: string;
  n: number;
  /** Events per format, and those tagged parse_failure. */
  parsed: Record<string, number>;
  failed: Record<string, number>;
}

/** Raw batch payload → normalised sink batch payload. Pure CPU work: it runs on a worker thread. */
export function processPayload(payload: string): ProcessedBatch {
  const sinkEvents = [];
  const parsed: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const raw of decodeRawBatch(payload)) {
    for (const event of normalize(raw)) {
      sinkEvents.push(toSinkEvent(event));
      const counts = event.tags?.includes('parse_failure') ? failed : parsed;
      counts[raw.format] = (counts[raw.format] ?? 0) + 1;
    }
  }
  return { z: sinkEvents.length ? encodeSinkBatch(sinkEvents) : undefined, n: sinkEvents.length, parsed, failed };
}
