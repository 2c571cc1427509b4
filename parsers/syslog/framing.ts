import { isUtf8 } from 'node:buffer';

/**
 * Syslog stream framing (RFC 6587), incremental and per connection. Pure: bytes in, frames out.
 *
 * The first byte of each frame tells the method (RFC 6587 §3.4): a non-zero digit starts an
 * octet-counted frame `MSG-LEN SP MSG`, anything else a non-transparent frame ended by LF (a CR
 * before the LF is dropped). Both may be mixed on one connection, as rsyslog allows.
 *
 * NeuVector writes raw LF inside values over LF-framed TCP, so one event can arrive as several
 * lines. In LF mode a line that does not begin with `<` continues the previous message: a message
 * is therefore complete only once the next line begins with `<` (or an octet count). The framer
 * holds that last message; the listener calls flush() after a short idle time and end() when the
 * connection ends.
 */

export type FrameTag = 'truncated' | 'invalid_utf8';

export interface SyslogFrame {
  /** The message, decoded as UTF-8 (with U+FFFD replacements when the bytes were not UTF-8). */
  text: string;
  /** Present only when something happened to the bytes. */
  tags?: FrameTag[];
}

export interface FramerOptions {
  /** Longest message kept, in bytes. Longer ones are cut there (at a character boundary) and tagged 'truncated'. */
  maxMessageBytes: number;
  /**
   * Largest MSG-LEN taken as an octet count. A larger one is not believed to be a frame header
   * (it would swallow the rest of the stream), so its bytes are read as an LF-framed line instead.
   */
  maxOctetCount?: number;
}

export const DEFAULT_MAX_OCTET_COUNT = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const LT = 0x3c;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;

// Framer states (plain numbers: erasable syntax has no enum).
const AT_START = 0; // at the first byte of a frame or line
const IN_COUNT = 1; // reading MSG-LEN digits
const AFTER_COUNT = 2; // read `MSG-LEN SP` after a held LF message: is the next byte `<`?
const IN_OCTETS = 3; // reading an octet-counted MSG
const IN_LINE = 4; // reading an LF-terminated line

export class SyslogFramer {
  readonly #max: number;
  readonly #maxCount: number;
  #state = AT_START;

  // MSG-LEN being read; the digits are its decimal form (no leading zero), so it can be rebuilt.
  #count = 0;

  // Octet-counted MSG that spans reads: only the kept bytes are buffered, the excess is skipped.
  #octets: Buffer | null = null;
  #octetsFilled = 0;
  #octetsLeft = 0;
  #octetsTruncated = false;

  // LF line that spans reads.
  #lineParts: Buffer[] = [];
  #lineBytes = 0;
  #lineBudget = 0;
  #lineOverflow = false;
  #lineContinues = false;

  // The last LF message, complete up to its LF but possibly continued by the next line.
  #held: string | null = null;
  #heldBytes = 0;
  #heldTruncated = false;
  #heldInvalid = false;
  #heldBlankLines = 0;

  constructor(options: FramerOptions) {
    if (!(options.maxMessageBytes >= 1)) throw new RangeError('maxMessageBytes must be at least 1');
    this.#max = Math.floor(options.maxMessageBytes);
    this.#maxCount = options.maxOctetCount ?? DEFAULT_MAX_OCTET_COUNT;
  }

  /** True while a complete LF message is held back, waiting to see whether the next line continues it. */
  get holding(): boolean {
    return this.#held !== null;
  }

  /** Bytes held between calls (held message, partial line or frame): bounded by the message limit. */
  get bufferedBytes(): number {
    let bytes = this.#held === null ? 0 : this.#heldBytes + this.#heldBlankLines;
    if (this.#state === IN_LINE) bytes += this.#lineBytes;
    else if (this.#state === IN_OCTETS) bytes += this.#octetsFilled;
    else if (this.#state !== AT_START) bytes += String(this.#count).length + 1;
    return bytes;
  }

  /** Feed one read; returns the frames it completed. The chunk is not kept (tails are copied). */
  push(chunk: Buffer): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      switch (this.#state) {
        case AT_START: {
          const first = chunk[pos];
          if (first === LT) {
            this.#releaseHeld(out);
            this.#beginLine(false);
          } else if (first >= DIGIT_1 && first <= DIGIT_9) {
            this.#count = first - DIGIT_0;
            this.#state = IN_COUNT;
            pos++;
          } else {
            this.#beginLine(this.#held !== null);
          }
          break;
        }
        case IN_COUNT:
          pos = this.#readCount(chunk, pos, out);
          break;
        case AFTER_COUNT:
          // After a held LF message, `digits SP` opens an octet frame only if a syslog message follows;
          // otherwise it is a continuation line that happens to start with a number.
          if (chunk[pos] === LT) {
            this.#releaseHeld(out);
            pos = this.#beginOctets(chunk, pos, out);
          } else {
            this.#countToLine(true);
          }
          break;
        case IN_OCTETS:
          pos = this.#readOctets(chunk, pos, out);
          break;
        default:
          pos = this.#readLine(chunk, pos);
      }
    }
    return out;
  }

  /**
   * Release the held LF message: called after an idle time, when no continuation line came.
   * A partial line or octet frame stays buffered (only more bytes or end() can finish it).
   */
  flush(): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    if (this.#state === AT_START) this.#releaseHeld(out);
    return out;
  }

  /** The connection ended: release everything, a partial octet frame tagged 'truncated'. */
  end(): SyslogFrame[] {
    const out: SyslogFrame[] = [];
    if (this.#state === IN_COUNT) this.#countToLine(false);
    else if (this.#state === AFTER_COUNT) this.#countToLine(true);
    if (this.#state === IN_LINE) {
      this.#completeLine(this.#takeLineParts(), this.#lineOverflow);
    } else if (this.#state === IN_OCTETS && this.#octets !== null) {
      out.push(decodeFrame(this.#octets.subarray(0, this.#octetsFilled), this.#octetsFilled, true));
      this.#octets = null;
    }
    this.#state = AT_START;
    this.#releaseHeld(out);
    return out;
  }

  #readCount(chunk: Buffer, start: number, out: SyslogFrame[]): number {
    let pos = start;
    while (pos < chunk.length) {
      const byte = chunk[pos];
      if (byte >= DIGIT_0 && byte <= DIGIT_9) {
        const next = this.#count * 10 + (byte - DIGIT_0);
        if (next > this.#maxCount) {
          this.#countToLine(false);
          return pos;
        }
        this.#count = next;
        pos++;
        continue;
      }
      if (byte !== SP) {
        this.#countToLine(false);
        return pos;
      }
      pos++;
      if (this.#held === null) return this.#beginOctets(chunk, pos, out);
      this.#state = AFTER_COUNT;
      return pos;
    }
    return pos;
  }

  /** Not an octet count after all: the digits read so far (and the space) start an LF line. */
  #countToLine(withSpace: boolean): void {
    const prefix = Buffer.from(withSpace ? `${this.#count} ` : String(this.#count), 'latin1');
    this.#beginLine(this.#held !== null);
    this.#appendLine(prefix, 0, prefix.length);
  }

  #beginOctets(chunk: Buffer, pos: number, out: SyslogFrame[]): number {
    const length = this.#count;
    const keep = Math.min(length, this.#max);
    const truncated = length > this.#max;
    if (chunk.length - pos >= length) {
      out.push(decodeFrame(chunk.subarray(pos, pos + keep), keep, truncated));
      this.#state = AT_START;
      return pos + length;
    }
    this.#octets = Buffer.allocUnsafe(keep);
    this.#octetsFilled = 0;
    this.#octetsLeft = length;
    this.#octetsTruncated = truncated;
    this.#state = IN_OCTETS;
    return this.#readOctets(chunk, pos, out);
  }

  #readOctets(chunk: Buffer, pos: number, out: SyslogFrame[]): number {
    const octets = this.#octets as Buffer;
    const take = Math.min(this.#octetsLeft, chunk.length - pos);
    const copy = Math.min(take, octets.length - this.#octetsFilled);
    if (copy > 0) this.#octetsFilled += chunk.copy(octets, this.#octetsFilled, pos, pos + copy);
    this.#octetsLeft -= take;
    if (this.#octetsLeft === 0) {
      out.push(decodeFrame(octets, octets.length, this.#octetsTruncated));
      this.#octets = null;
      this.#octetsFilled = 0;
      this.#state = AT_START;
    }
    return pos + take;
  }

  #beginLine(continues: boolean): void {
    this.#lineContinues = continues;
    this.#lineBudget = continues
      ? Math.max(0, this.#max - this.#heldBytes - 1 - this.#heldBlankLines)
      : this.#max;
    this.#lineParts = [];
    this.#lineBytes = 0;
    this.#lineOverflow = false;
    this.#state = IN_LINE;
  }

  #readLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    const stop = lf === -1 ? chunk.length : lf;
    if (lf !== -1 && this.#lineBytes === 0 && !this.#lineOverflow) {
      // Common case, the whole line is in this read: no copy.
      const limit = this.#lineBudget + 1; // one byte of slack for a CR before the LF
      const overflow = stop - pos > limit;
      this.#completeLine(chunk.subarray(pos, overflow ? pos + limit : stop), overflow);
    } else {
      this.#appendLine(chunk, pos, stop);
      if (lf !== -1) this.#completeLine(this.#takeLineParts(), this.#lineOverflow);
    }
    if (lf === -1) return chunk.length;
    this.#state = AT_START;
    return lf + 1;
  }

  #appendLine(chunk: Buffer, from: number, to: number): void {
    const room = this.#lineBudget + 1 - this.#lineBytes;
    const take = Math.min(room, to - from);
    if (take < to - from) this.#lineOverflow = true;
    if (take <= 0) return;
    this.#lineParts.push(Buffer.from(chunk.subarray(from, from + take)));
    this.#lineBytes += take;
  }

  #takeLineParts(): Buffer {
    const parts = this.#lineParts;
    const line = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.#lineBytes);
    this.#lineParts = [];
    this.#lineBytes = 0;
    return line;
  }

  #completeLine(line: Buffer, overflow: boolean): void {
    let length = line.length;
    if (!overflow && length > 0 && line[length - 1] === CR) length--;
    let truncated = overflow;
    if (length > this.#lineBudget) {
      length = this.#lineBudget;
      truncated = true;
    }
    if (truncated) length = utf8Boundary(line, length);
    const body = line.subarray(0, length);
    const invalid = !isUtf8(body);
    const text = body.toString('utf8');

    if (!this.#lineContinues) {
      if (length === 0 && !truncated) return; // blank line between messages
      this.#held = text;
      this.#heldBytes = length;
      this.#heldTruncated = truncated;
      this.#heldInvalid = invalid;
      this.#heldBlankLines = 0;
      return;
    }
    if (truncated) this.#heldTruncated = true;
    if (length === 0) {
      // Blank lines count only if more text follows; trailing ones are dropped with the message end.
      if (!truncated) this.#heldBlankLines++;
      return;
    }
    const separator = this.#heldBlankLines === 0 ? '\n' : '\n'.repeat(this.#heldBlankLines + 1);
    this.#held += separator + text;
    this.#heldBytes += separator.length + length;
    this.#heldBlankLines = 0;
    if (invalid) this.#heldInvalid = true;
  }

  #releaseHeld(out: SyslogFrame[]): void {
    if (this.#held === null) return;
    out.push(makeFrame(this.#held, this.#heldTruncated, this.#heldInvalid));
    this.#held = null;
    this.#heldBytes = 0;
    this.#heldTruncated = false;
    this.#heldInvalid = false;
    this.#heldBlankLines = 0;
  }
}

export function createFramer(options: FramerOptions): SyslogFramer {
  return new SyslogFramer(options);
}

/**
 * One whole message (a UDP datagram, an HTTP body): cut at maxBytes on a character boundary and
 * tagged 'truncated', decoded as UTF-8, tagged 'invalid_utf8' when the bytes were not UTF-8.
 */
export function decodeMessage(bytes: Buffer, maxBytes: number): SyslogFrame {
  if (bytes.length <= maxBytes) return decodeFrame(bytes, bytes.length, false);
  return decodeFrame(bytes, maxBytes, true);
}

function decodeFrame(bytes: Buffer, length: number, truncated: boolean): SyslogFrame {
  const end = truncated ? utf8Boundary(bytes, length) : length;
  const body = end === bytes.length ? bytes : bytes.subarray(0, end);
  return makeFrame(body.toString('utf8'), truncated, !isUtf8(body));
}

function makeFrame(text: string, truncated: boolean, invalidUtf8: boolean): SyslogFrame {
  if (!truncated && !invalidUtf8) return { text };
  const tags: FrameTag[] = [];
  if (truncated) tags.push('truncated');
  if (invalidUtf8) tags.push('invalid_utf8');
  return { text, tags };
}

/**
 * Where to cut `bytes` at or before `end` so a multi-byte UTF-8 character is not split: a cut
 * made by the length limit must not turn valid text into invalid UTF-8.
 */
export function utf8Boundary(bytes: Buffer, end: number): number {
  let start = end;
  let continuation = 0;
  while (start > 0 && continuation < 3 && (bytes[start - 1] & 0xc0) === 0x80) {
    start--;
    continuation++;
  }
  if (start === 0) return end;
  const lead = bytes[start - 1];
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (start - 1) < needed ? start - 1 : end;
}
