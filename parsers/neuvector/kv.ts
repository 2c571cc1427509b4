import type { StructRead } from './fields.ts';
import type { Kind, Schema } from './schema.ts';
import { typedValue } from './values.ts';

const EQUALS = 61;
const DASH = 45;
const LONGEST_KEY = 48;

/** A struct read from kv text, with how many schema keys it recognised (to pick a type when the sender does not name it). */
export interface KvRead extends StructRead { recognised: number }

/**
 * Reads the `key=value,key=value,...` body from `start` by the schema's key order: a value ends only
 * at a `,key=` whose key may come next (the optional keys up to the next required one), because
 * values are printed without any escaping and may hold commas, `=`, brackets and raw LF. A value
 * with no such boundary after it runs to the end, which makes the last key (usually `message`)
 * opaque. Unknown keys (a newer controller) are kept as strings when they follow a value that
 * cannot hold a comma (numbers, booleans); otherwise they stay inside the preceding value.
 *
 * Undefined when the text at `start` is not a key. Written for speed: expected keys matched by
 * first character, then against a byte table of their `key=`; indexOf, char codes; no regex, no
 * exceptions.
 */
export function scanKv(text: string, start: number, schema: Schema): KvRead | undefined {
  const read: KvRead = { values: new Array(schema.keys.length), extras: [], recognised: 0 };
  let p = start;
  let cursor = 0;
  const memo: Searches = { cursor: -1, windowFrom: 0, windowHit: -1, laterFrom: 0, laterHit: -1, keyPos: -1, keyCursor: -1, keyAtPos: -1 };
  while (p < text.length) {
    let at = p === memo.keyPos && cursor === memo.keyCursor ? memo.keyAtPos : expectedKeyAt(text, p, schema, cursor);
    let key: string;
    let eq: number;
    if (at >= 0) {
      key = schema.keys[at].key;
      eq = p + key.length;
    } else {
      eq = keyEnd(text, p);
      if (eq < 0) break;
      key = text.slice(p, eq);
      const found = schema.index.get(key);
      at = found !== undefined && found >= cursor ? found : -1; // repeated or out of order: an extra key
    }
    let end = valueEnd(text, eq + 1, schema, at >= 0 ? at + 1 : cursor, memo);
    if (at >= 0) {
      const spec = schema.keys[at];
      cursor = at + 1;
      read.recognised++;
      if (cannotHoldComma(spec.kind)) end = firstKeyBoundary(text, eq + 1, end);
      const raw = text.slice(eq + 1, end);
      read.values[at] = spec.kind === 'string' ? raw : typedValue(spec.kind, raw); // most are strings: no call
    } else if (key !== '-') {
      // `-` is the key pre-5.1.1 controllers printed for json:"-" fields: not data.
      read.extras.push([key, text.slice(eq + 1, end)]);
    }
    p = end + 1;
  }
  return p === start ? undefined : read;
}

/** Which key of the expected window starts at `p` (`key=`), or -1. */
function expectedKeyAt(text: string, p: number, schema: Schema, cursor: number): number {
  const last = cursor < schema.keys.length ? schema.windowEnd[cursor] : -1;
  const first = text.charCodeAt(p);
  for (let i = cursor; i <= last; i++) {
    if (schema.firstChar[i] === first && keyEqAt(text, p, schema, i)) return i;
  }
  return -1;
}

/**
 * text.startsWith(schema.keyEq[i], p), compared against the key's codes in a byte table: several
 * times faster than startsWith, which was half the scanner's time. The `=` is checked first.
 */
function keyEqAt(text: string, p: number, schema: Schema, i: number): boolean {
  const length = schema.keyEq[i].length;
  if (text.charCodeAt(p + length - 1) !== EQUALS) return false;
  const codes = schema.keyCodes;
  const at = schema.keyAt[i];
  for (let j = 0; j < length - 1; j++) {
    if (text.charCodeAt(p + j) !== codes[at + j]) return false;
  }
  return true;
}

/** Where the `=` ending a key-shaped word ([a-z0-9_-]+) at `p` is, or -1 when there is none. */
export function keyEnd(text: string, p: number): number {
  const limit = Math.min(text.length, p + LONGEST_KEY);
  for (let i = p; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === EQUALS) return i > p ? i : -1;
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === DASH)) return -1;
  }
  return -1;
}

/**
 * Where the last boundary searches ended, per cursor: after a search that found nothing up to the
 * end, the same search from further on finds nothing either. Without this, a body of many unknown
 * keys after a number (`count=1,x=,x=,...`) would rescan the rest of the text for each: quadratic.
 */
interface Searches {
  cursor: number; windowFrom: number; windowHit: number; laterFrom: number; laterHit: number;
  /** Where the last window search found an expected key (just after its comma), for which cursor, and which key: not matched twice. */
  keyPos: number; keyCursor: number; keyAtPos: number;
}

/**
 * The end of a value starting at `from` when the next key expected is at `cursor`: the first comma
 * followed by a key of the expected window; failing that (a required key missing in some version,
 * or past the last key), the first comma followed by any later key; failing that, the end.
 */
function valueEnd(text: string, from: number, schema: Schema, cursor: number, memo: Searches): number {
  if (memo.cursor !== cursor) {
    memo.cursor = cursor;
    memo.windowFrom = memo.laterFrom = Number.MAX_SAFE_INTEGER;
  }
  if (cursor < schema.keys.length) {
    if (!(from >= memo.windowFrom && (memo.windowHit < 0 || from <= memo.windowHit))) {
      memo.windowFrom = from;
      memo.windowHit = windowBoundary(text, from, schema, cursor, memo);
    }
    if (memo.windowHit >= 0) return memo.windowHit;
  }
  if (!(from >= memo.laterFrom && (memo.laterHit < 0 || from <= memo.laterHit))) {
    memo.laterFrom = from;
    memo.laterHit = laterBoundary(text, from, schema, cursor);
  }
  return memo.laterHit >= 0 ? memo.laterHit : text.length;
}

function windowBoundary(text: string, from: number, schema: Schema, cursor: number, memo: Searches): number {
  for (let c = text.indexOf(',', from); c >= 0; c = text.indexOf(',', c + 1)) {
    const at = expectedKeyAt(text, c + 1, schema, cursor);
    if (at >= 0) {
      memo.keyPos = c + 1;
      memo.keyCursor = cursor;
      memo.keyAtPos = at;
      return c;
    }
    if (isDashKey(text, c + 1)) return c;
  }
  return -1;
}

function laterBoundary(text: string, from: number, schema: Schema, cursor: number): number {
  for (let c = text.indexOf(',', from); c >= 0; c = text.indexOf(',', c + 1)) {
    const eq = keyEnd(text, c + 1);
    if (eq < 0) continue;
    if (schema.open && cursor >= schema.keys.length) return c; // unknown type: any key follows
    if (eq === c + 2 && text.charCodeAt(c + 1) === DASH) return c;
    const at = schema.index.get(text.slice(c + 1, eq));
    if (at !== undefined && at >= cursor) return c;
  }
  return -1;
}

function isDashKey(text: string, p: number): boolean {
  return text.charCodeAt(p) === DASH && text.charCodeAt(p + 1) === EQUALS;
}

function cannotHoldComma(kind: Kind): boolean {
  return kind === 'int' || kind === 'float' || kind === 'bool';
}

/** The first `,word=` inside [from, end), or `end`: where an unknown key hides after a number or boolean. */
function firstKeyBoundary(text: string, from: number, end: number): number {
  for (let c = text.indexOf(',', from); c >= 0 && c < end; c = text.indexOf(',', c + 1)) {
    if (keyEnd(text, c + 1) >= 0) return c;
  }
  return end;
}
