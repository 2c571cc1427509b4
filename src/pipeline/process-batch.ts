import { hasSourceIdentity, normalize, unparsed } from '../normalize/index.ts';
import { decodeRawBatch, decodeSinkBatch, encodeRawBatch, encodeSinkBytes, encodeSinkEvents, rawEvents } from './codec.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';
import { toSinkEvent } from './to-sink-event.ts';
import { SinkSelections, type EventFilter, type Selections } from './sink-filter.ts';
import { addCounts, securityKey, type SecurityCounts } from '../telemetry/security-events.ts';

/**
 * What the process stage makes of one raw batch: the sink payload, what each format produced,
 * and which sinks' filters left which events out (sink-filter.ts).
 */
export interface ProcessedBatch extends Selections {
  /** Encoded sink batch (codec.ts encodeSinkBytes), undefined when the batch produced no events. */
  z?: Buffer;
  n: number;
  /** Events per format, and those tagged parse_failure. */
  parsed: Record<string, number>;
  failed: Record<string, number>;
  /** Ids of events identified by their source: a second copy of one is a redelivery. */
  sourceIds: string[];
  /** Events by security label tuple, counted here so the main thread only adds per batch. */
  security: SecurityCounts;
  /** The security label tuple of each event in sourceIds (same order): a dropped redelivery is taken off. */
  sourceKeys: string[];
}

/**
 * Raw batch payload → normalised sink batch payload. Pure CPU work: it runs on a worker thread.
 * `filters`: the compiled filter of each sink that has one.
 */
export function processPayload(payload: string, filters: ReadonlyArray<[string, EventFilter]> = []): ProcessedBatch {
  const parsed: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const sourceIds: string[] = [];
  const security: SecurityCounts = {};
  const sourceKeys: string[] = [];
  const ingested = new Date().toISOString();
  const selections = new SinkSelections(filters);
  // Each event is serialised into the batch as it is made: its JSON text dies young.
  const { z, n } = encodeSinkEvents((add) => {
    for (const raw of rawEvents(payload)) {
      for (const event of normalize(raw)) {
        const sinkEvent = toSinkEvent(event, ingested);
        add(sinkEvent);
        selections.add(sinkEvent);
        const key = securityKey(event);
        security[key] = (security[key] ?? 0) + 1;
        if (hasSourceIdentity(event)) {
          sourceIds.push(sinkEvent.id);
          sourceKeys.push(key);
        }
        const counts = event.tags?.includes('parse_failure') ? failed : parsed;
        counts[raw.format] = (counts[raw.format] ?? 0) + 1;
      }
    }
  });
  return { z: n ? z : undefined, n, parsed, failed, sourceIds, security, sourceKeys, ...selections.result() };
}

/**
 * When a whole batch failed in the thread pool (the thread died on it), each event is processed
 * on its own, and one that fails alone is forwarded unparsed: original text, parse_failure tag.
 * Nothing is lost and the batch cannot block the queue.
 */
export async function processEventByEvent(payload: string, run: (payload: string) => Promise<ProcessedBatch>,
  filters: ReadonlyArray<[string, EventFilter]> = []): Promise<ProcessedBatch> {
  const sinkEvents: SinkEvent[] = [];
  const parsed: Record<string, number> = {};
  const failed: Record<string, number> = {};
  const sourceIds: string[] = [];
  const security: SecurityCounts = {};
  const sourceKeys: string[] = [];
  const add = (counts: Record<string, number>, format: string, n: number) => (counts[format] = (counts[format] ?? 0) + n);
  for (const raw of decodeRawBatch(payload)) {
    try {
      const one = await run(encodeRawBatch([raw]));
      // A loop, not push(...): one body can hold more items than a call has room for arguments.
      if (one.z !== undefined) for (const event of decodeSinkBatch(one.z)) sinkEvents.push(event);
      for (const [format, n] of Object.entries(one.parsed)) add(parsed, format, n);
      for (const [format, n] of Object.entries(one.failed)) add(failed, format, n);
      sourceIds.push(...one.sourceIds);
      sourceKeys.push(...one.sourceKeys);
      addCounts(security, one.security);
    } catch (error) {
      const event = unparsed(raw, `processing failed: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}`);
      sinkEvents.push(toSinkEvent(event, new Date().toISOString()));
      add(failed, raw.format, 1);
      addCounts(security, { [securityKey(event)]: 1 });
    }
  }
  // The filters again over the whole batch: simpler than renumbering each part's selections.
  const selections = new SinkSelections(filters);
  for (const event of sinkEvents) selections.add(event);
  return {
    z: sinkEvents.length ? encodeSinkBytes(sinkEvents) : undefined, n: sinkEvents.length, parsed, failed, sourceIds, security, sourceKeys,
    ...selections.result(),
  };
}
