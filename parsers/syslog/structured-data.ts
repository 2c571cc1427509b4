import { setOwn } from './envelope.ts';
import type { StructuredData } from './envelope.ts';

// RFC 5424 §6.3 STRUCTURED-DATA: scanned, not split, because PARAM-VALUEs may hold spaces and `]`.

const SP = 32, QUOTE = 34, EQUALS = 61, OPEN = 91, BACKSLASH = 92, CLOSE = 93;

export interface ScannedData { data: StructuredData; end: number }

/**
 * Reads one or more SD-ELEMENTs starting at `pos` (which holds `[`). Returns them and the index after
 * the last `]`, or undefined when the text is not well-formed structured data.
 */
export function scanStructuredData(text: string, pos: number): ScannedData | undefined {
  const data: StructuredData = {};
  let i = pos;
  while (text.charCodeAt(i) === OPEN) {
    const idStart = ++i;
    i = nameEnd(text, i);
    if (i === idStart) return undefined;
    const id = text.slice(idStart, i);
    const params = Object.hasOwn(data, id) ? data[id] : {}; // a repeated SD-ID (invalid) merges
    setOwn(data, id, params);
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === CLOSE) { i++; break; }
      if (c !== SP) return undefined;
      while (text.charCodeAt(i) === SP) i++; // one SP per RFC; tolerate more
      const nameStart = i;
      i = nameEnd(text, i);
      if (i === nameStart || text.charCodeAt(i) !== EQUALS || text.charCodeAt(i + 1) !== QUOTE) return undefined;
      const name = text.slice(nameStart, i);
      const value = readParamValue(text, i + 2);
      if (value === undefined) return undefined;
      addParam(params, name, value.text);
      i = value.end;
    }
  }
  return i === pos ? undefined : { data, end: i };
}

/** SD-NAME: printable US-ASCII except `=`, SP, `]`, `"` (RFC 5424 §6.3.2). Returns its end index. */
function nameEnd(text: string, i: number): number {
  for (;; i++) {
    const c = text.charCodeAt(i);
    if (!(c > SP && c < 127) || c === EQUALS || c === CLOSE || c === QUOTE) return i;
  }
}

/**
 * PARAM-VALUE from `start` (after the opening quote) to the closing quote. Only `\"`, `\\` and `\]`
 * are escapes; any other backslash stays with the character after it (§6.3.3). An unescaped `]`
 * is invalid but seen in practice, and simply kept.
 */
function readParamValue(text: string, start: number): { text: string; end: number } | undefined {
  let out = '';
  let chunkStart = start;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return { text: out + text.slice(chunkStart, i), end: i + 1 };
    if (c === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (next === QUOTE || next === BACKSLASH || next === CLOSE) {
        out += text.slice(chunkStart, i);
        chunkStart = i + 1; // keep the escaped character, drop the backslash
      }
      i++; // the escaped (or literal) character can never close the value
    }
  }
  return undefined;
}

function addParam(params: Record<string, string | string[]>, name: string, value: string): void {
  if (!Object.hasOwn(params, name)) {
    setOwn(params, name, value);
    return;
  }
  const previous = params[name];
  if (Array.isArray(previous)) previous.push(value);
  else params[name] = [previous, value];
}
