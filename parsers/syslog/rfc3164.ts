import type { Envelope } from './envelope.ts';
import { looksLikeBsdTimestamp, scanBsdTimestamp } from '../kit/bsd-timestamp.ts';
import { looksLikeRfc3339, parseRfc3339 } from './rfc3339.ts';
import { isDigit, isoUtc } from '../kit/utc-time.ts';

// RFC 3164 `TIMESTAMP SP HOSTNAME SP TAG[pid]: CONTENT` (§4.1.2, §4.1.3) and its real-world variants:
// the "ISO BSD" form with an RFC 3339 time, a Cisco sequence number before the time, and no HOSTNAME
// (libc writing to /dev/log, Cisco ASA), where the TAG comes straight after the time, or a Cisco
// HOSTNAME with a colon after it (`localhost: %ASA-6-302021: …`, `MYHOSTNAME : %ASA-…`).

const SP = 32, COLON = 58, STAR = 42, DOT = 46, OPEN = 91, CLOSE = 93, PERCENT = 37;
const CISCO_MNEMONIC = /^%[A-Z][A-Z0-9_]*-[0-7]-[A-Z0-9_]+$/;
/** Longest TAG we accept; RFC 3164 says 32, real tags (`postfix/smtpd`, Cisco mnemonics) run longer. */
const MAX_TAG_LENGTH = 64;

/**
 * The message from `pos` (just after `<PRI>`, if any) as a BSD-style message, or undefined when no
 * timestamp of a known form starts there.
 */
export function parseRfc3164(text: string, pos: number, priority: number, receivedAt: number): Envelope | undefined {
  let timestamp: string | undefined;
  let end: number;
  if (looksLikeRfc3339(text, pos)) {
    end = text.indexOf(' ', pos);
    if (end === -1) end = text.length;
    timestamp = parseRfc3339(text, pos, end);
  } else {
    const bsd = scanBsdTimestamp(text, afterCiscoSequence(text, pos), receivedAt);
    timestamp = bsd && isoUtc(bsd.millis, bsd.fraction);
    end = bsd?.end ?? -1;
  }
  if (timestamp === undefined) return undefined;

  const envelope: Envelope = { priority, timestamp };
  let start = end + 1;
  while (text.charCodeAt(start) === SP) start++;
  if (start >= text.length) return envelope;

  let tag = readTag(text, start);
  if (tag !== undefined && tag.pid === undefined && ciscoMnemonicAt(text, tag.contentStart)) {
    // `localhost: %ASA-6-302021: …`: a Cisco device that writes its HOSTNAME with a colon glued
    // to it. The token is the HOSTNAME; the mnemonic after it is the TAG.
    envelope.hostname = tag.name;
    start = tag.contentStart;
    tag = readTag(text, start);
  } else if (tag === undefined) {
    // Not a TAG, so a HOSTNAME; the TAG, if any, follows it.
    let hostEnd = text.indexOf(' ', start);
    if (hostEnd === -1) hostEnd = text.length;
    envelope.hostname = text.slice(start, hostEnd);
    start = hostEnd + 1;
    if (start > text.length) return envelope;
    // `MYHOSTNAME : %ASA-6-302021: …`: the same with the colon spaced off.
    if (text.charCodeAt(start) === COLON && text.charCodeAt(start + 1) === SP && ciscoMnemonicAt(text, start + 2)) start += 2;
    tag = readTag(text, start);
  }
  if (tag !== undefined) {
    envelope.appname = tag.name;
    if (tag.pid !== undefined) envelope.procid = tag.pid;
    start = tag.contentStart;
  }
  envelope.msg = text.slice(start);
  return envelope;
}

/**
 * Does a Cisco message mnemonic TAG (`%FACILITY-SEVERITY-MNEMONIC:`, e.g. `%ASA-6-302021:`,
 * `%SYS-5-CONFIG_I:`; Cisco's System Log Messages guides) start at `i`?
 */
function ciscoMnemonicAt(text: string, i: number): boolean {
  if (text.charCodeAt(i) !== PERCENT) return false;
  const tag = readTag(text, i);
  return tag !== undefined && tag.pid === undefined && isCiscoMnemonic(tag.name);
}

/** A Cisco message mnemonic names a message type, not the program that sent it. */
export function isCiscoMnemonic(tag: string): boolean {
  return tag.charCodeAt(0) === PERCENT && CISCO_MNEMONIC.test(tag);
}

/** Index of the timestamp after a Cisco IOS `1234: ` sequence number and `*`/`.` clock marker. */
function afterCiscoSequence(text: string, pos: number): number {
  let i = pos;
  while (isDigit(text.charCodeAt(i))) i++;
  if (i > pos) {
    if (text.charCodeAt(i) !== COLON || text.charCodeAt(i + 1) !== SP) return pos;
    i += 2;
  }
  const marker = text.charCodeAt(i);
  if (marker === STAR || marker === DOT) i++;
  return i === pos || looksLikeBsdTimestamp(text, i) ? i : pos;
}

interface Tag { name: string; pid?: string; contentStart: number }

/**
 * A TAG token at `start`: `name:` or `name[pid]:`, followed by SP or the end of the text. The
 * colon must end the token, so `CEF:0|…` or `http://…` is content, not a TAG. CONTENT starts after
 * the one SP that separates it; further spaces belong to the content (sudo pads its user name).
 */
function readTag(text: string, start: number): Tag | undefined {
  const limit = Math.min(text.length, start + MAX_TAG_LENGTH + 1);
  let i = start;
  for (; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON || c === OPEN) break;
    if (c <= SP || c === CLOSE || c >= 127) return undefined;
  }
  if (i === start || i === limit) return undefined;
  const name = text.slice(start, i);
  let pid: string | undefined;
  if (text.charCodeAt(i) === OPEN) {
    const close = text.indexOf(']', i + 1);
    if (close === -1 || close === i + 1 || close - i > 129) return undefined;
    pid = text.slice(i + 1, close);
    if (pid.includes(' ')) return undefined;
    i = close + 1;
  }
  if (text.charCodeAt(i) !== COLON) return undefined;
  const after = text.charCodeAt(i + 1);
  if (i + 1 < text.length && after !== SP) return undefined;
  const tag: Tag = { name, contentStart: Math.min(text.length, i + 2) };
  if (pid !== undefined) tag.pid = pid;
  return tag;
}
