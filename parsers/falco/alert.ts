import type { EcsEvent } from '../kit/ecs.ts';
import { compact, isObject, strings, text, type JsonObject } from '../kit/json-read.ts';
import { isRawJsonNumber } from '../kit/json-lossless.ts';
import { fromEpochNanos, toUtcTimestamp } from '../kit/json-timestamp.ts';
import { fromName } from '../kit/severity.ts';
import { categorise } from './categorise.ts';
import { threatFromTags } from './mitre.ts';
import { fieldSets } from './output-fields.ts';

/**
 * Who makes Falco, spelled as Elastic's Falco integration writes it (lower case): keyword searches
 * are case-sensitive, so `observer.product: falco` must find vigil's alerts too.
 */
export const OBSERVER = { vendor: 'sysdig', product: 'falco', type: 'sensor' } as const;

/** The keys of a Falco alert (and of Falcosidekick's re-posted payload) kept under `falco.*`. */
const NATIVE_KEYS = ['rule', 'priority', 'source', 'tags', 'hostname', 'output', 'output_fields', 'uuid', 'time', 'message'] as const;

/** One Falco JSON alert (http_output or Falcosidekick webhook) → its ECS event. */
export function fromAlert(alert: JsonObject): EcsEvent {
  const fields = isObject(alert.output_fields) ? alert.output_fields : {};
  const source = text(alert.source);
  const priority = text(alert.priority);
  const level = priority !== undefined ? fromName(priority) : undefined;
  const sets = fieldSets(fields);
  const syscall = text(fields['evt.type']);
  const { category, type } = categorise(source, syscall, { file: sets.file !== undefined, network: sets.source !== undefined || sets.destination !== undefined });
  const tags = strings(alert.tags) ?? [];

  const event: EcsEvent = compact<EcsEvent>({
    '@timestamp': timestampOf(alert, fields),
    message: text(alert.output) ?? text(alert.message) ?? text(alert.rule),
    event: {
      // Falco's own health notices (dropped syscalls...) are not detections.
      kind: source === 'internal' ? 'event' : 'alert',
      category,
      type,
      action: syscall ?? text(fields['ka.verb']),
      module: 'falco',
      dataset: 'falco.alerts',
      provider: source,
      severity: level?.severity,
      // Falcosidekick gives each alert a uuid: redeliveries of it then share one event.id.
      id: text(alert.uuid),
    },
    log: level && { level: level.level },
    observer: { hostname: text(alert.hostname), ...OBSERVER },
    // The node Falco runs on is the host the alert is about (syscall sources); host.name is what
    // Kibana's host views and Elastic's Falco integration key on.
    host: { name: text(alert.hostname) },
    rule: { name: text(alert.rule) },
    ...sets,
    threat: threatFromTags(tags),
  }) ?? {};
  event.falco = native(alert);
  return event;
}

/** `time` (9 fractional digits from Falco, trimmed by Falcosidekick), else the event's own ns clock. */
function timestampOf(alert: JsonObject, fields: JsonObject): string | undefined {
  const time = text(alert.time);
  const fromTime = time !== undefined ? toUtcTimestamp(time) : undefined;
  if (fromTime) return fromTime;
  const nanos = fields['evt.time'] ?? fields['evt.time.iso8601'];
  const digits = isRawJsonNumber(nanos) ? nanos.rawJSON : typeof nanos === 'number' && Number.isSafeInteger(nanos) ? String(nanos) : undefined;
  return digits !== undefined ? fromEpochNanos(digits) : undefined;
}

function native(alert: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of NATIVE_KEYS) if (Object.hasOwn(alert, key)) out[key] = alert[key];
  return out;
}
