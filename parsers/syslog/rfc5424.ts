import type { Envelope } from './envelope.ts';
import { looksLikeRfc3339, parseRfc3339 } from './rfc3339.ts';
import { scanStructuredData } from './structured-data.ts';
import { isDigit } from '../kit/utc-time.ts';

// RFC 5424 §6: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG].
// Header fields hold no spaces, so they split on SP; structured data is scanned.

const SP = 32, DASH = 45, OPEN = 91, ZERO = 48, BOM = 0xfeff;

/**
 * The message from `pos` (just after `<PRI>`) as RFC 5424, or undefined when it does not start with
 * VERSION SP and an RFC 3339 date or `-`. Lenient past that point: a message cut short keeps the
 * fields it has, and text where STRUCTURED-DATA should be that is not well-formed becomes the MSG.
 */
export function parseRfc5424(text: string, pos: number, priority: number): Envelope | undefined {
  let i = pos;
  while (i < pos + 3 && isDigit(text.charCodeAt(i))) i++;
  if (i === pos || text.charCodeAt(pos) === ZERO || text.charCodeAt(i) !== SP) return undefined;
  const timeStart = i + 1;
  const timeEnd = tokenEnd(text, timeStart);
  const timeIsNil = timeEnd === timeStart + 1 && text.charCodeAt(timeStart) === DASH;
  if (!timeIsNil && !looksLikeRfc3339(text, timeStart)) return undefined;

  const envelope: Envelope = { priority, version: text.slice(pos, i) };
  const timestamp = timeIsNil ? undefined : parseRfc3339(text, timeStart, timeEnd);
  if (timestamp !== undefined) envelope.timestamp = timestamp;

  let start = timeEnd + 1;
  let end = tokenEnd(text, start);
  const hostname = field(text, start, end);
  if (hostname !== undefined) envelope.hostname = hostname;
  end = tokenEnd(text, start = end + 1);
  const appname = field(text, start, end);
  if (appname !== undefined) envelope.appname = appname;
  end = tokenEnd(text, start = end + 1);
  const procid = field(text, start, end);
  if (procid !== undefined) envelope.procid = procid;
  end = tokenEnd(text, start = end + 1);
  const msgid = field(text, start, end);
  if (msgid !== undefined) envelope.msgid = msgid;
  start = end + 1;
  if (start >= text.length) return envelope;

  let msgStart = start;
  if (text.charCodeAt(start) === DASH && (start + 1 === text.length || text.charCodeAt(start + 1) === SP)) {
    msgStart = start + 2;
  } else if (text.charCodeAt(start) === OPEN) {
    const scanned = scanStructuredData(text, start);
    if (scanned !== undefined && (scanned.end === text.length || text.charCodeAt(scanned.end) === SP)) {
      envelope.structuredData = scanned.data;
      msgStart = scanned.end + 1;
    }
  }
  if (msgStart <= text.length) {
    envelope.msg = text.charCodeAt(msgStart) === BOM ? text.slice(msgStart + 1) : text.slice(msgStart);
  }
  return envelope;
}

function tokenEnd(text: string, start: number): number {
  if (start >= text.length) return text.length;
  const space = text.indexOf(' ', start);
  return space === -1 ? text.length : space;
}

/** A header field: absent when NILVALUE, empty (doubled SP) or past the end of a short message. */
function field(text: string, start: number, end: number): string | undefined {
  if (start >= end) return undefined;
  if (end === start + 1 && text.charCodeAt(start) === DASH) return undefined;
  return text.slice(start, end);
}
