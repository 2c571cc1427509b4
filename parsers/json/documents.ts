import type { Json } from '../kit/ecs.ts';
import { tryParseLossless } from '../kit/json-lossless.ts';

/** One JSON text of a body: its value, or why it did not parse. `text` is set for NDJSON lines. */
export type JsonDocument =
  | { ok: true; value: Json; text?: string }
  | { ok: false; reason: string; text: string };

export type JsonDocuments =
  | { ok: true; documents: JsonDocument[] }
  | { ok: false; reason: string }
  /** NDJSON of more lines than allowed: counted, not parsed. */
  | { ok: false; tooMany: number };

/**
 * A body → its JSON texts: the whole body when it parses (pretty-printed JSON spans lines), else one
 * per line when it is NDJSON. A body counts as NDJSON only when its first line parses on its own,
 * so a single broken multi-line object yields one clear reason, not one failure per line.
 * NDJSON of more than `maxLines` lines is only counted, never split or parsed: a 1 MiB body of
 * 349,000 `{}` lines takes ~15 ms to count, ~140 ms to split and as much again to parse.
 * The webhook check (413) and the parser (a syslog message is one event) share this count.
 */
export function jsonDocuments(body: string, maxLines = Infinity): JsonDocuments {
  const whole = tryParseLossless(body);
  if (whole.ok) return { ok: true, documents: [{ ok: true, value: whole.value }] };
  const count = nonBlankLines(body);
  if (count < 2 || !tryParseLossless(firstNonBlankLine(body)).ok) return { ok: false, reason: whole.reason };
  if (count > maxLines) return { ok: false, tooMany: count };
  const lines = body.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  return {
    ok: true,
    documents: lines.map((line): JsonDocument => {
      const parsed = tryParseLossless(line);
      return parsed.ok ? { ok: true, value: parsed.value, text: line } : { ok: false, reason: parsed.reason, text: line };
    }),
  };
}

const WHITESPACE = /\s/;

/** The LF-separated lines holding more than whitespace (as String.prototype.trim sees it), counted without splitting. */
export function nonBlankLines(body: string): number {
  let count = 0;
  let blank = true;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 10) {
      if (!blank) count++;
      blank = true;
    } else if (blank && c !== 32 && (c < 9 || c > 13) && (c < 128 || !WHITESPACE.test(body[i]))) {
      blank = false;
    }
  }
  return blank ? count : count + 1;
}

/** The first line with more than whitespace, without its CR; only called when there is one. */
function firstNonBlankLine(body: string): string {
  const at = body.search(/\S/);
  const end = body.indexOf('\n', at);
  return body.slice(body.lastIndexOf('\n', at) + 1, end === -1 ? body.length : end).replace(/\r$/, '');
}
