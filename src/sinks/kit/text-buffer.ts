const LF = 0x0a;

/**
 * UTF-8 bytes of many strings, each followed by LF, written piece by piece into one buffer.
 * Joining first would make one huge string, two-byte as soon as one piece holds a non-Latin-1
 * character, and converting that to UTF-8 cost about three times as much as this (measured on
 * 500 normalised events: 4.4 ms joined, 1.3 ms piecewise).
 */
export function linesToBuffer(lines: readonly string[], byteLengths?: readonly number[]): Buffer {
  const sizes = byteLengths ?? lines.map((line) => Buffer.byteLength(line));
  let total = lines.length;
  for (const size of sizes) total += size;
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    offset += buffer.write(lines[i], offset);
    buffer[offset++] = LF;
  }
  return buffer;
}

/** The LF-terminated lines of a buffer, each decoded on its own (so ASCII lines stay one-byte strings). */
export function bufferToLines(buffer: Buffer): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(LF, start);
    if (end < 0) end = buffer.length;
    lines.push(buffer.toString('utf8', start, end));
    start = end + 1;
  }
  return lines;
}

/** UTF-8 bytes of strings written one after another, with no separator. */
export function textBuffer(texts: readonly string[], byteLengths?: readonly number[]): Buffer {
  const sizes = byteLengths ?? texts.map((text) => Buffer.byteLength(text));
  let total = 0;
  for (const size of sizes) total += size;
  const buffer = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const text of texts) offset += buffer.write(text, offset);
  return buffer;
}
