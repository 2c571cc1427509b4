import type { Json } from '../ecs.ts';
import { tryParseLossless } from './lossless.ts';

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
 * NDJSON of more than `maxLines` lines is only counted: parsing each line costs about a
 * microsecond, and a 1 MiB body of `{}` lines would hold the thread for half a second to be refused.
 * The webhook check (413) and the parser (a syslog message is one event) share this count.
 */
export function jsonDocuments(body: string, maxLines = Infinity): JsonDocuments {
  const whole = tryParseLossless(body);
  if (whole.ok) return { ok: true, documents: [{ ok: true, value: whole.value }] };
  const lines = body.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  if (lines.length < 2 || !tryParseLossless(lines[0]).ok) return { ok: false, reason: whole.reason };
  if (lines.length > maxLines) return { ok: false, tooMany: lines.length };
  return {
    ok: true,
    documents: lines.map((line): JsonDocument => {
      const parsed = tryParseLossless(line);
      return parsed.ok ? { ok: true, value: parsed.value, text: line } : { ok: false, reason: parsed.reason, text: line };
    }),
  };
}
