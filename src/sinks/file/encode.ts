import { oneLine } from '../kit/one-line.ts';
import type { SinkEvent } from '../kit/types.ts';

/** The batch as NDJSON: one event per line, each line ending in "\n". */
export function encodeLines(events: readonly SinkEvent[]): string {
  let text = '';
  for (const event of events) text += `${oneLine(event.json)}\n`;
  return text;
}
