import type { EcsEvent } from '../kit/ecs.ts';
import type { Format } from '../kit/format.ts';
import { fail, guarded, okAll, tooManyItems, type ParseResult } from '../kit/result.ts';
import { fromName } from '../kit/severity.ts';
import { jsonDocuments, type JsonDocument } from './documents.ts';
import { failedItem } from '../kit/item-failure.ts';
import { isObject, text, type JsonObject } from '../kit/json-read.ts';
import { timestampFromJson } from '../kit/json-timestamp.ts';

/**
 * Generic JSON: one object, an array of objects, or NDJSON (one object per line) → one event each,
 * the object kept whole under `json`. More items than ctx.maxEvents (one, inside syslog) → one
 * failure tagged too_many_items, the body forwarded unsplit.
 */
export const json: Format = {
  name: 'json',
  datasets: ['json.log'],
  parse: (body, ctx) => guarded('json parser crashed', () => parseJson(body, ctx.maxEvents)),
  claims: (msg) => msg.trimStart().startsWith('{'),
};

function parseJson(body: string, maxEvents = Infinity): ParseResult {
  const parsed = jsonDocuments(body, maxEvents);
  if (!parsed.ok) return 'tooMany' in parsed ? tooManyItems(parsed.tooMany, maxEvents, 'JSON lines') : fail(parsed.reason);
  const [first] = parsed.documents;
  const single = parsed.documents.length === 1 && first.ok ? first.value : undefined;
  if (single !== undefined && !isObject(single) && !Array.isArray(single)) {
    return fail('json body is not an object or an array of objects');
  }
  if (Array.isArray(single) && single.length > maxEvents) return tooManyItems(single.length, maxEvents, 'array items');
  const items: JsonDocument[] = Array.isArray(single) ? single.map((value) => ({ ok: true, value })) : parsed.documents;
  const many = items.length > 1;
  return okAll(items.map((item) => {
    // With several items each event keeps its own text; a lone item's original is the whole body.
    const own = item.text ?? (item.ok ? JSON.stringify(item.value) : '');
    const original = many ? own : undefined;
    if (!item.ok) return failedItem(item.reason, own, base());
    if (!isObject(item.value)) return failedItem('json item is not an object', own, base());
    return fromObject(item.value, original, own);
  }));
}

function base(): EcsEvent {
  return { event: { module: 'json', dataset: 'json.log' } };
}

function fromObject(object: JsonObject, original: string | undefined, own: string): EcsEvent {
  const event = base();
  const timestamp = timestampFromJson(object['@timestamp']) ?? timestampFromJson(object.timestamp) ?? timestampFromJson(object.time);
  if (timestamp) event['@timestamp'] = timestamp;
  // Without a message field the item's own text is the searchable message, as Filebeat does for raw lines.
  event.message = text(object.message) ?? text(object.msg) ?? own;
  const level = typeof object.level === 'string' ? fromName(object.level) : undefined;
  if (level) {
    event.event!.severity = level.severity;
    event.log = { level: level.level };
  }
  if (original !== undefined) event.event!.original = original;
  event.json = object;
  return event;
}
