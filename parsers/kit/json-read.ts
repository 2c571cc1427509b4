import { isIP } from 'node:net';
import type { Json } from './ecs.ts';
import { isRawJsonNumber } from './json-lossless.ts';

/** Typed reads from parsed JSON: senders are trusted for nothing, so every field is checked before use. */

export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJsonNumber(value);
}

/** A non-empty string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An integer that fits an ECS `long` safely, from a number or a string of digits (Falco sends both). */
export function integer(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A TCP/UDP port number. */
export function port(value: unknown): number | undefined {
  const n = integer(value);
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

/** An IPv4/IPv6 address Elasticsearch's `ip` type accepts; anything else would reject the whole document. */
export function ip(value: unknown): string | undefined {
  return typeof value === 'string' && isIP(value) ? value : undefined;
}

/** The strings of an array, or undefined when there are none. */
export function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list = value.filter((v): v is string => typeof v === 'string');
  return list.length ? list : undefined;
}

/** Drops undefined properties (and objects left empty) so events carry only what the source said. */
export function compact<T extends object>(value: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const kept = isPlain(v) ? compact(v) : v;
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length ? (out as T) : undefined;
}

function isPlain(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
