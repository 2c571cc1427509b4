/** The media type of a Content-Type header, lower-cased and without parameters; undefined when absent. */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** application/json, or a structured +json type; a charset parameter does not matter. */
export function isJsonMediaType(type: string | undefined): boolean {
  return type === 'application/json' || (type !== undefined && type.endsWith('+json'));
}

/** Newline-delimited JSON, as log shippers label it. */
export function isNdjsonMediaType(type: string | undefined): boolean {
  return type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl' || type === 'application/x-jsonlines';
}
