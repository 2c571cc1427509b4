import type { Json } from '../kit/ecs.ts';
import { buildFields, type Fields, type Head, type StructRead } from './fields.ts';
import { KIND_OF, type Schema } from './schema.ts';
import { grantsFromObject } from './values.ts';

/**
 * A JSON body's struct → the same typed fields the kv body gives, so one event looks the same
 * whichever body the sender chose: lists drop empty strings (JSON `[""]` is kv `[]`), and
 * user_roles becomes grants (JSON `{"":"admin"}` or `null` is kv `map[:admin]` or `map[]`).
 * Keys come out in struct order, as from kv; `skip` names keys of the wrapper, not the struct.
 */
export function fieldsFromJson(struct: Record<string, unknown>, schema: Schema, head: Head, skip: ReadonlySet<string>): Fields {
  const read: StructRead = { values: new Array(schema.keys.length), extras: [] };
  for (const key of Object.keys(struct)) {
    if (skip.has(key)) continue;
    const value = normalised(key, struct[key]);
    const at = schema.index.get(key);
    if (at === undefined) read.extras.push([key, withoutEmptyKeys(value)]);
    else read.values[at] = value;
  }
  return buildFields(schema.build, head, read);
}

/**
 * An unknown key's JSON value as it came, less any empty object key at any depth: Elasticsearch
 * refuses an empty field name, and would dead-letter the whole event for it. (Known keys that
 * use one, user_roles' global domain, are typed as grants instead.)
 */
function withoutEmptyKeys(value: Json): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(withoutEmptyKeys);
  // fromEntries defines own properties, as JSON.parse does: a `__proto__` key stays a field (with
  // `out[key] = ...` it would set the object's prototype and its content would vanish from the event).
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== '').map(([key, inner]) => [key, withoutEmptyKeys(inner)]));
}

function normalised(key: string, value: unknown): Json {
  switch (KIND_OF.get(key)) {
    case 'list':
    case 'items':
    case 'paths':
      if (value === null) return [];
      return Array.isArray(value) ? (value.filter((v) => v !== '' && v !== null) as Json[]) : (value as Json);
    case 'roles':
      return grantsFromObject(value);
    default:
      return value as Json;
  }
}
