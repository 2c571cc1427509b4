import { isIP } from 'node:net';
import type { RawJsonNumber } from '../kit/ecs.ts';
import { CEF_KEYS, type CefType } from './dictionary.ts';
import { cefTime } from './timestamp.ts';

// cef.extensions as Elastic's decode_cef stores it: every dictionary key under its full name with
// its dictionary type (numbers, validated IPs, timestamps as ISO 8601 UTC), other keys under their
// own name as strings, empty values left out. A value that is not of its key's type is left out too
// (decode_cef keeps it as a string beside an error): the index template maps these fields as long,
// double, ip or date, and one such string would make Elasticsearch reject the whole event.
// event.original still holds it.

const INTEGER = /^-?\d{1,40}$/;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export type ExtensionValue = string | number | RawJsonNumber;

// JSON.rawJSON (Node 21+) keeps every digit of an integer beyond 2^53 on the way out.
const rawJson = (JSON as unknown as { rawJSON(text: string): RawJsonNumber }).rawJSON;

/** The value as cef.extensions stores it, or undefined when it is not of the type. */
export function typedValue(type: CefType, value: string, receivedAt: number): ExtensionValue | undefined {
  switch (type) {
    case 'string':
    case 'mac':
      return value;
    case 'integer':
    case 'long':
      return integerValue(value);
    case 'double': {
      const n = value.trim() === '' ? NaN : Number(value);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'ip':
      return isIP(value) !== 0 ? value : undefined;
    case 'timestamp':
      return cefTime(value, receivedAt);
  }
}

/** A signed 64-bit integer (Elasticsearch's long), exact beyond 2^53; undefined otherwise. */
function integerValue(value: string): ExtensionValue | undefined {
  if (!INTEGER.test(value)) return undefined;
  const n = Number(value);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(value);
  return big >= LONG_MIN && big <= LONG_MAX ? rawJson(big.toString()) : undefined;
}

/** All pairs under their full names with their types; empty values and values not of their type are left out. */
export function typedExtensions(pairs: Map<string, string>, receivedAt: number): Record<string, ExtensionValue> {
  const extensions: Record<string, ExtensionValue> = {};
  for (const [key, value] of pairs) {
    if (value === '') continue;
    const known = CEF_KEYS.get(key);
    const typed = known === undefined ? value : typedValue(known.type, value, receivedAt);
    if (typed === undefined) continue;
    const name = known?.name ?? key;
    if (name === '__proto__') {
      // Plain assignment would set the prototype and lose the value; keys come from the wire.
      Object.defineProperty(extensions, name, { value: typed, enumerable: true, writable: true, configurable: true });
    } else {
      extensions[name] = typed;
    }
  }
  return extensions;
}
