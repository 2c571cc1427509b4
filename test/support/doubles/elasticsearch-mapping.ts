/**
 * A small model of Elasticsearch's mapping rules, enough to show the traps a lax double hides
 * (DESIGN "Traps a real Elasticsearch shows"): dotted keys expand into object paths, so Falco's
 * `evt.time` (a number) and `evt.time.iso8601` clash; empty field names are refused; a field keeps
 * the type it was first mapped with; `flattened` takes any JSON below it. Explicit mappings come
 * from the matching index template; other fields are mapped dynamically (strings as keyword). A
 * `constant_keyword` without a value takes the first document's and refuses any other after it.
 */
import { isIP } from 'node:net';

export interface MappingError {
  type: string;
  reason: string;
}

type Kind = 'object' | 'constant' | 'flattened' | 'long' | 'float' | 'keyword' | 'text' | 'date' | 'ip' | 'boolean' | 'any';

const TYPE_KIND: Record<string, Kind> = {
  object: 'object', nested: 'object', flattened: 'flattened', flat_object: 'flattened',
  long: 'long', integer: 'long', short: 'long', byte: 'long', unsigned_long: 'long',
  float: 'float', double: 'float', half_float: 'float', scaled_float: 'float',
  keyword: 'keyword', constant_keyword: 'constant', wildcard: 'keyword',
  text: 'text', match_only_text: 'text',
  date: 'date', date_nanos: 'date', ip: 'ip', boolean: 'boolean',
};

export class IndexMapping {
  readonly #fields = new Map<string, Kind>();
  /** The value of each constant_keyword field, from its mapping or its first document. */
  readonly #constants = new Map<string, string>();

  /** `properties` is a template's `template.mappings.properties` (may be undefined). */
  constructor(properties?: unknown) {
    if (properties && typeof properties === 'object') this.#learnProperties('', properties as Record<string, unknown>);
  }

  /** Checks one document; on success its new dynamic fields join the mapping (all or nothing). */
  check(doc: unknown, id: string): MappingError | undefined {
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      return { type: 'document_parsing_exception', reason: 'failed to parse: source is not an object' };
    }
    const learned = new Map<string, Kind>();
    this.#newConstants.clear();
    const error = this.#walkObject('', doc as Record<string, unknown>, learned, id);
    if (error) return error;
    for (const [path, kind] of learned) this.#fields.set(path, kind);
    for (const [path, value] of this.#newConstants) this.#constants.set(path, value);
    return undefined;
  }

  readonly #newConstants = new Map<string, string>();

  kindOf(path: string): string | undefined {
    return this.#fields.get(path);
  }

  #learnProperties(prefix: string, properties: Record<string, unknown>): void {
    for (const [name, definition] of Object.entries(properties)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const def = definition as { type?: string; value?: string; properties?: Record<string, unknown> };
      if (def.value !== undefined) this.#constants.set(path, def.value);
      if (def.properties) {
        this.#fields.set(path, 'object');
        this.#learnProperties(path, def.properties);
      } else {
        this.#fields.set(path, TYPE_KIND[def.type ?? 'object'] ?? 'any');
      }
    }
  }

  #kind(path: string, learned: Map<string, Kind>): Kind | undefined {
    return learned.get(path) ?? this.#fields.get(path);
  }

  #walkObject(path: string, object: Record<string, unknown>, learned: Map<string, Kind>, id: string): MappingError | undefined {
    for (const [key, value] of Object.entries(object)) {
      const error = this.#walkKey(path, key, value, learned, id);
      if (error) return error;
    }
    return undefined;
  }

  #walkKey(path: string, key: string, value: unknown, learned: Map<string, Kind>, id: string): MappingError | undefined {
    if (key.trim() === '' || key.split('.').some((segment) => segment === '')) {
      return {
        type: 'document_parsing_exception',
        reason: `[1:2] failed to parse: field name cannot contain only whitespace or be empty: ['${path ? `${path}.` : ''}${key}']`,
      };
    }
    // A dotted key is an object path: every prefix must be (or become) an object.
    let parent = path;
    const segments = key.split('.');
    for (const segment of segments.slice(0, -1)) {
      parent = parent ? `${parent}.${segment}` : segment;
      const kind = this.#kind(parent, learned);
      if (kind === 'flattened') return undefined;
      if (kind !== undefined && kind !== 'object') return concreteAsObject(parent, kind, id);
      if (kind === undefined) learned.set(parent, 'object');
    }
    const field = parent ? `${parent}.${segments.at(-1)}` : key;
    return this.#walkValue(field, value, learned, id);
  }

  #walkValue(field: string, value: unknown, learned: Map<string, Kind>, id: string): MappingError | undefined {
    if (value === null) return undefined;
    if (Array.isArray(value)) {
      for (const element of value) {
        const error = this.#walkValue(field, element, learned, id);
        if (error) return error;
      }
      return undefined;
    }
    const kind = this.#kind(field, learned);
    if (kind === 'flattened' || kind === 'any') return undefined;
    if (kind === 'constant' && typeof value !== 'object') {
      const expected = this.#constants.get(field) ?? this.#newConstants.get(field);
      if (expected === undefined) this.#newConstants.set(field, String(value));
      else if (expected !== String(value)) {
        return {
          type: 'document_parsing_exception',
          reason: `[1:2] failed to parse field [${field}] of type [constant_keyword] in document with id '${id}'. Preview of field's value: '${String(value)}'`,
        };
      }
      return undefined;
    }
    if (typeof value === 'object') {
      if (kind !== undefined && kind !== 'object') return concreteAsObject(field, kind, id);
      if (kind === undefined) learned.set(field, 'object');
      return this.#walkObject(field, value as Record<string, unknown>, learned, id);
    }
    if (kind === 'object') {
      return {
        type: 'document_parsing_exception',
        reason: `[1:2] object mapping for [${field}] tried to parse field [${field}] as object, but found a concrete value`,
      };
    }
    if (kind === undefined) {
      learned.set(field, typeof value === 'number' ? (Number.isInteger(value) ? 'long' : 'float') : typeof value === 'boolean' ? 'boolean' : 'keyword');
      return undefined;
    }
    return fits(kind, value) ? undefined : {
      type: 'document_parsing_exception',
      reason: `[1:2] failed to parse field [${field}] of type [${kind}] in document with id '${id}'. Preview of field's value: '${String(value)}'`,
    };
  }
}

function concreteAsObject(field: string, kind: Kind, id: string): MappingError {
  return {
    type: 'document_parsing_exception',
    reason: `[1:2] failed to parse field [${field}] of type [${kind}] in document with id '${id}'. Preview of field's value: '{...}'`,
  };
}

function fits(kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'long':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && /^-?\d+(\.0*)?$/.test(value));
    case 'float':
      return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'ip':
      return typeof value === 'string' && isIP(value) !== 0;
    case 'date':
      return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
    default:
      return true;
  }
}
