import { buildFields, type Head } from './fields.ts';
import { fieldsFromJson } from './json-fields.ts';
import { scanKv } from './kv.ts';
import type { Parsed } from './parsed.ts';
import { isNotificationType, SCHEMAS, UNKNOWN_TYPE_SCHEMA } from './schema.ts';

const PREFIX = 'notification=';
const NOTIFICATION_KEY: ReadonlySet<string> = new Set(['notification']);

/** `notification=<type>,key=value,...` from `start` (a syslog MSG, or the tail of a Slack/Teams text). */
export function fromNotificationKv(text: string, start = 0, head: Head = {}): Parsed {
  const typeStart = start + PREFIX.length;
  const comma = text.indexOf(',', typeStart);
  if (comma < 0) return { failure: 'NeuVector body has no fields after notification=' };
  const type = text.slice(typeStart, comma);
  const known = isNotificationType(type);
  const schema = known ? SCHEMAS[type] : UNKNOWN_TYPE_SCHEMA;
  const read = scanKv(text, comma + 1, schema);
  if (!read) return { failure: `NeuVector body has no key=value after notification=${type}` };
  head.notification = type;
  return { dataset: known ? type : undefined, fields: buildFields(schema.build, head, read) };
}

/** syslog_in_json=true: one valid JSON object whose first key is the notification type. */
export function fromNotificationJson(body: Record<string, unknown>): Parsed {
  const type = String(body.notification);
  const known = isNotificationType(type);
  const schema = known ? SCHEMAS[type] : UNKNOWN_TYPE_SCHEMA;
  return { dataset: known ? type : undefined, fields: fieldsFromJson(body, schema, { notification: type }, NOTIFICATION_KEY) };
}
