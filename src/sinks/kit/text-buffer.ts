const LF = 0x0a;

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
