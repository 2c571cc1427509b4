/**
 * Cuts items into consecutive groups whose summed size stays within maxBytes (order kept).
 * An item larger than maxBytes travels alone: only the backend knows whether it is really too
 * large (Elasticsearch takes up to 100 MB, Splunk Cloud 1 MB), and its 413 then dead-letters it.
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
