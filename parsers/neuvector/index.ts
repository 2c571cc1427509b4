import type { Format, SyslogHeader } from '../kit/format.ts';
import { fail, guarded, ok, type ParseResult } from '../kit/result.ts';
import type { EcsEvent } from '../kit/ecs.ts';
import { MAX_DEPTH, nestsDeeperThan } from '../kit/json-lossless.ts';
import { keyEnd } from './kv.ts';
import type { Parsed } from './parsed.ts';
import { fromNotificationJson, fromNotificationKv } from './syslog-body.ts';
import { DATASETS, toEcs } from './to-ecs.ts';
import { fromChatWebhook } from './webhook-chat.ts';
import { fromInvalidWebhookJson, fromWebhookJson, isObject } from './webhook-json.ts';
import { fromWebhookKv } from './webhook-kv.ts';

/**
 * NeuVector (SUSE) controller output: syslog bodies (key-value or JSON) and webhook bodies
 * (key-value, JSON, Slack, Teams). The shape is told from the text itself.
 */
export const neuvector: Format = {
  name: 'neuvector',
  datasets: DATASETS,
  parse: (text) => guarded('neuvector', () => result(read(text))),
  parseFrom: (text, start) => guarded('neuvector', () => result(readFrom(text, start))),
  claims: (msg: string, header: SyslogHeader) =>
    msg.startsWith('notification=') || msg.startsWith('{"notification":') || header.msgid === 'neuvector',
};

/** The body that starts at `start`: the syslog kv body read in place, anything else sliced out. */
function readFrom(text: string, start: number): Parsed {
  if (text.startsWith('notification=', start)) return fromNotificationKv(text, start); // the hot path
  return read(start === 0 ? text : text.slice(start));
}

function read(text: string): Parsed {
  if (text.startsWith('notification=')) return fromNotificationKv(text); // the syslog kv body: the hot path
  const start = firstNonBlank(text);
  if (text.startsWith('notification=', start)) return fromNotificationKv(text, start);
  if (text.charCodeAt(start) === 123 /* { */) return fromJsonText(text);
  // The key-value webhook (level=...,cluster=...,) or a bare struct.
  if (keyEnd(text, start) > 0) return fromWebhookKv(start === 0 ? text : text.slice(start));
  return { failure: 'not a NeuVector body: neither notification=, key=value nor a JSON object' };
}

function fromJsonText(text: string): Parsed {
  // As parseLossless does for every other JSON source: deeper nesting is forwarded unparsed, tagged.
  if (text.length > 2 * MAX_DEPTH && nestsDeeperThan(text, MAX_DEPTH)) return { failure: `JSON nested deeper than ${MAX_DEPTH} levels` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Only webhook JSON can be invalid (an unescaped cluster name or comment): repair it.
    return fromInvalidWebhookJson(text) ?? { failure: 'invalid JSON, and not a repairable NeuVector webhook body' };
  }
  if (!isObject(body)) return { failure: 'JSON body is not an object' };
  if (typeof body.notification === 'string') return fromNotificationJson(body);
  if (typeof body.text === 'string') return fromChatWebhook(body as { text: string });
  return fromWebhookJson(body);
}

function result(parsed: Parsed): ParseResult {
  if ('failure' in parsed) return fail(parsed.failure, failedPartial());
  return ok(toEcs(parsed.dataset, parsed.fields));
}

/** What a body that could not be read still says: it came to the NeuVector parser (a new object each time: normalize fills it in). */
function failedPartial(): EcsEvent {
  return { event: { module: 'neuvector' }, observer: { vendor: 'SUSE', product: 'NeuVector' } };
}

function firstNonBlank(text: string): number {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) <= 32 || text.charCodeAt(i) === 0xfeff)) i++;
  return i;
}
