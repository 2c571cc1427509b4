import type { RawJsonNumber } from '../ecs.ts';

// ArcSight types some extension keys as numbers; Elastic's CEF integration stores those typed.
// A value that is not a number of its type is left out of cef.extensions (as decode_cef does), so an
// Elasticsearch long/float mapping never rejects the whole event; event.original still has it.

const INTEGER_KEYS = new Set([
  'cnt', 'spt', 'dpt', 'cn1', 'cn2', 'cn3', 'in', 'out', 'fsize', 'oldFileSize',
  'dpid', 'spid', 'dvcpid', 'sourceTranslatedPort', 'destinationTranslatedPort',
]);
const FLOAT_KEYS = new Set(['cfp1', 'cfp2', 'cfp3', 'cfp4']);
const INTEGER = /^-?\d{1,40}$/;

export type ExtensionValue = string | number | RawJsonNumber;

// JSON.rawJSON (Node 21+) keeps every digit of an integer beyond 2^53 on the way out.
const rawJson = (JSON as unknown as { rawJSON(text: string): RawJsonNumber }).rawJSON;

/** The value as cef.extensions stores it, or undefined when a numeric key holds no number. */
export function typedExtension(key: string, value: string): ExtensionValue | undefined {
  if (INTEGER_KEYS.has(key)) {
    if (!INTEGER.test(value)) return undefined;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : rawJson(value.replace(/^(-?)0+(?=\d)/, '$1'));
  }
  if (FLOAT_KEYS.has(key)) {
    const n = value.trim() === '' ? NaN : Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return value;
}

/** All pairs with their types; keys that hold no number of their type are dropped. */
export function typedExtensions(pairs: Map<string, string>): Record<string, ExtensionValue> {
  const extensions: Record<string, ExtensionValue> = {};
  for (const [key, value] of pairs) {
    const typed = typedExtension(key, value);
    if (typed === undefined) continue;
    if (key === '__proto__') {
      // Plain assignment would set the prototype and lose the value; keys come from the wire.
      Object.defineProperty(extensions, key, { value: typed, enumerable: true, writable: true, configurable: true });
    } else {
      extensions[key] = typed;
    }
  }
  return extensions;
}
