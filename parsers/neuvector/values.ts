import type { Json } from '../kit/ecs.ts';
import type { Kind } from './schema.ts';

/** One NeuVector role grant. Stored as a pair because the global domain is the empty key, which Elasticsearch rejects as a field name. */
export type RoleGrant = { domain: string; role: string };

/**
 * A kv value as Go's %v printed it → its typed form, or undefined when it cannot be typed
 * (an empty number from an old version, a mangled boolean): the raw text stays in event.original.
 */
export function typedValue(kind: Kind, raw: string): Json | undefined {
  switch (kind) {
    case 'string': return raw;
    case 'int': return parseInteger(raw);
    case 'float': return parseFloatValue(raw);
    case 'bool': return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'list': return splitWords(unbracket(raw));
    case 'items': return splitComplianceItems(unbracket(raw));
    case 'paths': return splitPaths(unbracket(raw));
    case 'roles': return parseGoMap(raw);
  }
}

/** Decimal integer with an optional sign; anything else (empty, spaces, hex) is not a Go %v integer. */
export function parseInteger(raw: string): number | undefined {
  const n = raw.length;
  if (n === 0 || n > 20) return undefined;
  const negative = raw.charCodeAt(0) === 45; /* - */
  let i = negative ? 1 : 0;
  if (i === n) return undefined;
  let value = 0;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  // Up to 15 digits the sum is exact (what Number() gives, without its string parser); longer goes through Number().
  if (n > 15) return Number(raw);
  return negative ? -value : value;
}

function parseFloatValue(raw: string): number | undefined {
  if (raw === '' || raw.trim() !== raw) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** `[a b]` → `a b`; a value without brackets is taken as the list text itself. */
function unbracket(raw: string): string {
  return raw.length >= 2 && raw.charCodeAt(0) === 91 && raw.charCodeAt(raw.length - 1) === 93 ? raw.slice(1, -1) : raw;
}

/** Go joins []string elements with one space and prints an empty element as nothing, so empty words are dropped. */
export function splitWords(inner: string): string[] {
  const words: string[] = [];
  let start = 0;
  for (let space = inner.indexOf(' '); space >= 0; space = inner.indexOf(' ', start)) {
    if (space > start) words.push(inner.slice(start, space));
    start = space + 1;
  }
  if (start < inner.length) words.push(inner.slice(start));
  return words;
}

/**
 * Compliance items are sentences `<test> <LEVEL> - <text>` joined by spaces, so an item starts at a
 * word followed by an upper-case level word and a lone `-`.
 */
export function splitComplianceItems(inner: string): string[] {
  if (inner === '') return [];
  const items: string[] = [];
  let start = 0;
  // Found from each lone `-` word backwards (indexOf, no word array): a run of ~100 words was ~3 us.
  for (let dash = inner.indexOf(' -'); dash >= 0; dash = inner.indexOf(' -', dash + 1)) {
    if (dash + 2 < inner.length && inner.charCodeAt(dash + 2) !== 32) continue; // `-` must be a whole word
    let level = dash;
    while (level > 0 && isUpperCase(inner.charCodeAt(level - 1))) level--;
    // The level word: 2-10 capitals after a space; before that space, a non-empty word that is not the first.
    if (dash - level < 2 || dash - level > 10 || level < 2 || inner.charCodeAt(level - 1) !== 32) continue;
    if (inner.charCodeAt(level - 2) === 32) continue;
    const word = inner.lastIndexOf(' ', level - 2) + 1;
    if (word === 0) continue;
    items.push(inner.slice(start, word - 1));
    start = word;
  }
  items.push(inner.slice(start));
  return items.filter((item) => item !== '');
}

function isUpperCase(c: number): boolean {
  return c >= 65 && c <= 90;
}

/** File names are absolute paths, so a new element starts at each ` /`; names may contain spaces. */
export function splitPaths(inner: string): string[] {
  if (inner === '') return [];
  if (inner.charCodeAt(0) !== 47 /* / */) return splitWords(inner);
  const paths: string[] = [];
  let start = 0;
  for (let i = inner.indexOf(' /'); i >= 0; i = inner.indexOf(' /', i + 1)) {
    paths.push(inner.slice(start, i));
    start = i + 1;
  }
  paths.push(inner.slice(start));
  return paths;
}

/**
 * `map[:admin finance:admin]` (pairs sorted by key, `k:v` joined by spaces) → grants. A domain never
 * holds a colon or a space, so a word without a colon continues the previous role name.
 */
export function parseGoMap(raw: string): RoleGrant[] | undefined {
  if (!raw.startsWith('map[') || !raw.endsWith(']')) return undefined;
  const grants: RoleGrant[] = [];
  for (const word of raw.slice(4, -1).split(' ')) {
    if (word === '') continue;
    const colon = word.indexOf(':');
    const last = grants[grants.length - 1];
    if (colon < 0 && last) last.role += ` ${word}`;
    else if (colon < 0) grants.push({ domain: '', role: word });
    else grants.push({ domain: word.slice(0, colon), role: word.slice(colon + 1) });
  }
  return grants;
}

/** The JSON body's `{"": "admin"}` (or null for a nil map) → the same grants as the kv body gives. */
export function grantsFromObject(value: unknown): RoleGrant[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([domain, role]) => ({ domain, role: String(role) }));
}
