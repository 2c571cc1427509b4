// CEF extension (ArcSight CEF Implementation Standard): space-separated `key=value` where a value
// may hold spaces and runs until the next ` key=`; in values `\=`, `\\`, `\n`, `\r` are escapes and
// `|` needs none. Keys as Elastic's decode_cef accepts them: an alphanumeric or `_` first, then
// also `.`, `,`, `[`, `]`.

const SP = 32, EQUALS = 61, BACKSLASH = 92;

/** Key → unescaped value, in wire order; a repeated key keeps its last value. */
export function readExtension(text: string, start: number): Map<string, string> {
  const pairs = new Map<string, string>();
  let key: string | undefined;
  let valueStart = start;
  // Next backslash at or after valueStart: only values that hold one need decoding. It only moves
  // forward, so finding it costs one pass over the text in all.
  let backslash = text.indexOf('\\', start);
  const finish = (end: number) => {
    if (backslash !== -1 && backslash < valueStart) backslash = text.indexOf('\\', valueStart);
    const escaped = backslash !== -1 && backslash < end;
    pairs.set(key!, valueOf(text, valueStart, end, escaped));
  };
  // Jump from `=` to `=` (indexOf is far faster than a per-character loop on long extensions).
  for (let equals = text.indexOf('=', start); equals !== -1; equals = text.indexOf('=', equals + 1)) {
    if (isEscaped(text, equals, start)) continue;
    const keyStart = keyStartBefore(text, equals, start);
    if (keyStart < 0) continue; // an unescaped `=` inside a value: keep it there
    if (key !== undefined) finish(keyStart - 1);
    key = text.slice(keyStart, equals);
    valueStart = equals + 1;
  }
  if (key !== undefined) finish(text.length);
  return pairs;
}

/** Is the character at `i` escaped: preceded by an odd run of backslashes? */
function isEscaped(text: string, i: number, start: number): boolean {
  let run = i;
  while (run > start && text.charCodeAt(run - 1) === BACKSLASH) run--;
  return (i - run) % 2 === 1;
}

/** Start of the key that ends at the `=` at `equals`, or -1 when no key (preceded by SP or `start`) ends there. */
function keyStartBefore(text: string, equals: number, start: number): number {
  let k = equals;
  while (k > start && isKeyChar(text.charCodeAt(k - 1))) k--;
  if (k === equals || !isKeyStartChar(text.charCodeAt(k))) return -1;
  return k === start || text.charCodeAt(k - 1) === SP ? k : -1;
}

function isKeyStartChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isKeyChar(c: number): boolean {
  return isKeyStartChar(c) || c === 46 || c === 44 || c === 91 || c === 93;
}

/** text[start, end) without trailing spaces (they separate, they are not value), escapes decoded. */
function valueOf(text: string, start: number, end: number, escaped: boolean): string {
  while (end > start && text.charCodeAt(end - 1) === SP) end--;
  if (!escaped) return text.slice(start, end);
  let out = '';
  let chunkStart = start;
  for (let i = start; i < end - 1; i++) {
    if (text.charCodeAt(i) !== BACKSLASH) continue;
    const decoded = decodeEscape(text.charCodeAt(i + 1));
    if (decoded !== undefined) {
      out += text.slice(chunkStart, i) + decoded;
      chunkStart = i + 2;
    }
    i++; // the character after a backslash never starts another escape
  }
  return out + text.slice(chunkStart, end);
}

function decodeEscape(c: number): string | undefined {
  switch (c) {
    case EQUALS: return '=';
    case BACKSLASH: return '\\';
    case 110: return '\n';
    case 114: return '\r';
    default: return undefined; // not an escape: keep the backslash and the character
  }
}
