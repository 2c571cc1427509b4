import { epochNanos, epochSecondsText } from '../kit/epoch.ts';
import { oneLine } from '../kit/one-line.ts';
import type { SinkEvent } from '../kit/types.ts';

export interface HecEncoding {
  source: string;
  sourcetypePrefix: string;
  index?: string;
  indexedFields: boolean;
}

/** Sourcetype per dataset, Splunk style: neuvector.violation → neuvector:violation. */
export function sourcetypeOf(dataset: string, prefix: string): string {
  return prefix + dataset.replaceAll('.', ':');
}

/**
 * One HEC event object (Splunk docs "Format events for HTTP Event Collector"), ending in "\n"; a
 * batch is these objects concatenated. `time` is epoch seconds with milliseconds (Splunk's
 * precision), omitted when the event has no readable time (Splunk then uses the receipt time). The
 * event JSON is copied in as text.
 */
export function encodeHecEvent(event: SinkEvent, encoding: HecEncoding): string {
  const nanos = epochNanos(event.timestamp);
  let text = nanos === undefined ? '{' : `{"time":${epochSecondsText(nanos)},`;
  if (event.host) text += `"host":${JSON.stringify(event.host)},`;
  text += `"source":${JSON.stringify(encoding.source)},"sourcetype":${JSON.stringify(sourcetypeOf(event.dataset, encoding.sourcetypePrefix))}`;
  if (encoding.index) text += `,"index":${JSON.stringify(encoding.index)}`;
  text += `,"event":${oneLine(event.json)}`;
  if (encoding.indexedFields) text += `,"fields":${JSON.stringify(indexedFields(event))}`;
  return `${text}}\n`;
}

/** Flat string fields only: HEC refuses nested `fields` (code 15). */
function indexedFields(event: SinkEvent): Record<string, string> {
  const fields: Record<string, string> = { dataset: event.dataset, level: event.level };
  if (event.cluster) fields.cluster = event.cluster;
  if (event.namespace) fields.namespace = event.namespace;
  return fields;
}
