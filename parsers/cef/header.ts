// CEF header: `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|`
// with `\|` and `\\` as the only escapes (ArcSight CEF Implementation Standard). A backslash before
// anything else is kept.

const PIPE = 124, BACKSLASH = 92;
export const HEADER_FIELDS = 7;

export interface CefHeader {
  /** The seven fields, unescaped, Version first. */
  fields: string[];
  /** Index where the extension starts (after the seventh pipe), or the text length. */
  extensionStart: number;
}

/**
 * Reads the seven header fields from `start` (just after `CEF:`). A header whose Severity is not
 * followed by a pipe (no extension) is accepted. Returns the number of fields found when they are
 * fewer than seven (text without any pipe is one field).
 */
export function readHeader(text: string, start: number): CefHeader | number {
  const fields: string[] = [];
  let pending = '';
  let chunkStart = start;
  let i = start;
  for (; i < text.length && fields.length < HEADER_FIELDS; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      const next = text.charCodeAt(i + 1);
      if (next === PIPE || next === BACKSLASH) {
        pending += text.slice(chunkStart, i);
        chunkStart = ++i; // the escaped character starts the next chunk
      }
    } else if (c === PIPE) {
      fields.push(pending + text.slice(chunkStart, i));
      pending = '';
      chunkStart = i + 1;
    }
  }
  if (fields.length === HEADER_FIELDS) return { fields, extensionStart: chunkStart };
  if (fields.length === HEADER_FIELDS - 1) {
    fields.push(pending + text.slice(chunkStart));
    return { fields, extensionStart: text.length };
  }
  return fields.length + 1; // the last field has no pipe after it
}
