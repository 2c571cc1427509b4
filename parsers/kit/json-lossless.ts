import type { Json, RawJsonNumber } from './ecs.ts';

/**
 * JSON parsing that keeps integers beyond 2^53 exact (Falco's nanosecond times such as
 * 1741944413589793238 would otherwise become ...793300). Uses the engine's own parser: the reviver's
 * third argument carries the source text of each primitive (ES2025 "JSON.parse source text access"),
 * and JSON.rawJSON wraps that text so JSON.stringify writes the digits back verbatim. No dependency.
 */

// TypeScript 5.9's lib does not describe these yet: the minimal shapes used here.
interface ReviverContext { source?: string }
type SourceReviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;
const engine = JSON as unknown as {
  rawJSON(text: string): RawJsonNumber;
  isRawJSON(value: unknown): boolean;
};

const INTEGER = /^-?\d+$/;
// An integer outside ±(2^53 - 1) has at least 16 digits: texts without such a run need no reviver.
const LONG_DIGIT_RUN = /\d{16}/;
const BOM = '\uFEFF';

function keepUnsafeIntegers(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER.test(source)) return engine.rawJSON(source);
  }
  return value;
}

/**
 * Deeper than this is refused: no sender vigil serves nests past a few dozen levels, while a few
 * thousand make JSON.stringify overflow the stack in the worker or sink that writes the event out.
 */
export const MAX_DEPTH = 512;

/** Thrown for JSON that is well-formed but nested deeper than MAX_DEPTH. */
export class JsonTooDeep extends SyntaxError {}

/** JSON.parse, except that unsafe integers come back as raw JSON numbers. Throws SyntaxError as JSON.parse does. */
export function parseLossless(text: string): Json {
  // A leading byte order mark is not JSON, but RFC 8259 §8.1 lets a parser ignore it.
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  // Nesting needs two characters per level, so short texts need no scan.
  if (body.length > 2 * MAX_DEPTH && nestsDeeperThan(body, MAX_DEPTH)) {
    throw new JsonTooDeep(`JSON nested deeper than ${MAX_DEPTH} levels`);
  }
  return (LONG_DIGIT_RUN.test(body) ? parseWithSource(body, keepUnsafeIntegers) : JSON.parse(body)) as Json;
}

/**
 * Bracket depth outside strings, stopping at the first level past `limit` (about 0.5 ns a character).
 * Also run on webhook bodies before they are stored (listen.max_json_depth); text that is not JSON
 * is scanned the same way, only its brackets count.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i === -1) return false; // unterminated: JSON.parse will say so
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** The quote closing the string opened at `open`: the next one not escaped by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

export type JsonParse = { ok: true; value: Json } | { ok: false; reason: string };

/** parseLossless without exceptions: the value, or a one-line reason fit for a 400 answer or error.message. */
export function tryParseLossless(text: string): JsonParse {
  try {
    return { ok: true, value: parseLossless(text) };
  } catch (error) {
    return { ok: false, reason: jsonErrorReason(error) };
  }
}

export function isRawJsonNumber(value: unknown): value is RawJsonNumber {
  return engine.isRawJSON(value);
}

const POSITION = /\s*(?:in JSON )?at position (\d+)(?: \(line \d+ column \d+\))?/;
const MAX_REASON = 200;

/**
 * One line saying why JSON.parse rejected a text, e.g.
 * `invalid JSON at position 7: Expected ',' or '}' after property value`. V8 quotes part of the input
 * in some messages, so control characters are flattened and the length is capped.
 */
export function jsonErrorReason(error: unknown): string {
  if (error instanceof JsonTooDeep) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const position = POSITION.exec(message);
  const detail = oneLine(position ? message.replace(POSITION, '') : message);
  const reason = position ? `invalid JSON at position ${position[1]}: ${detail}` : `invalid JSON: ${detail}`;
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}
