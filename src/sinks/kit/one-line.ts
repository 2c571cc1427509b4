/**
 * JSON text on one line, for NDJSON bodies. A raw CR or LF in JSON can only be whitespace
 * between tokens (inside strings they must be escaped), so replacing it with a space changes
 * nothing but the layout. The common case, compact JSON, costs one scan.
 */
export function oneLine(json: string): string {
  return json.includes('\n') || json.includes('\r') ? json.replace(/[\r\n]/g, ' ') : json;
}
