import { knownOrOther } from '../../telemetry/security-events.ts';
import { epochNanos } from '../kit/epoch.ts';
import type { SinkEvent } from '../kit/types.ts';

/** A label name Loki accepts: [a-zA-Z_][a-zA-Z0-9_]*, and not the reserved `__` prefix. */
export function sanitizeLabelName(name: string): string {
  let clean = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (!/^[a-zA-Z_]/.test(clean)) clean = `_${clean}`;
  return clean.startsWith('__') ? clean.replace(/^_+/, '_') : clean;
}

/** Static labels with Loki-safe names; `job` defaults to "vigil". */
export function baseLabels(staticLabels: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { job: 'vigil' };
  for (const [name, value] of Object.entries(staticLabels)) if (value !== '') labels[sanitizeLabelName(name)] = value;
  return labels;
}

/** Cluster and namespace values kept as stream labels (labels.* in the config). */
export interface KnownStreamValues {
  clusters: ReadonlySet<string>;
  namespaces: ReadonlySet<string>;
}

/**
 * The stream labels of one event: the base labels plus a few low-cardinality routing fields
 * (source module, dataset, level, cluster, namespace when present). Anything per-event (ids,
 * rules, pods) stays in the line or in structured metadata, or Loki's stream count explodes.
 * Senders write cluster and namespace: with `known`, other values become _other, so forged
 * names cannot multiply the streams (the line keeps the real values).
 */
export function streamLabels(event: SinkEvent, base: Record<string, string>, known?: KnownStreamValues): Record<string, string> {
  const labels = { ...base };
  const set = (name: string, value: string | undefined) => {
    if (value) labels[name] = value;
  };
  set('source', event.module);
  set('dataset', event.dataset);
  set('level', event.level);
  set('cluster', known ? knownOrOther(event.cluster, known.clusters) : event.cluster);
  set('namespace', known ? knownOrOther(event.namespace, known.namespaces) : event.namespace);
  return labels;
}

export interface LokiEntry {
  /** Position of the event in the batch given to send(). */
  position: number;
  /** Stream labels as JSON text with sorted names: the stream's identity and its encoding. */
  stream: string;
  labels: Record<string, string>;
  nanos: bigint;
  /** UTF-8 bytes of the line: how Loki names an entry it refuses as too long. */
  lineBytes: number;
  /** ["<ns>","<line>",{"event_id":…,"workload":…}] */
  text: string;
}

/**
 * One push entry: the timestamp as a string of epoch nanoseconds (Loki refuses a JSON number),
 * the whole event JSON as the line, and the event id (and workload key) as structured metadata. An event without a
 * readable time gets `fallbackNanos` (the send time); its own time stays in the line.
 *
 * A time with nothing below the millisecond (most sources) gets sub-millisecond nanoseconds from
 * its event id. Loki names the entries it refuses by timestamp alone, and a burst of events shares
 * its millisecond; distinct timestamps let vigil tell exactly which entries were refused
 * (classify.ts). Derived from the id, the timestamp is the same on every attempt, so a resent
 * entry stays an exact duplicate; the line keeps the real time.
 */
export function encodeEntry(event: SinkEvent, position: number, base: Record<string, string>,
  options: { metadata: boolean; fallbackNanos: bigint; known?: KnownStreamValues }): LokiEntry {
  const labels = streamLabels(event, base, options.known);
  const stream = JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  const time = epochNanos(event.timestamp) ?? options.fallbackNanos;
  const nanos = time % 1_000_000n === 0n ? time + subMillisecond(event.id) : time;
  // The workload key is per event and unbounded (senders name pods): structured metadata, never a
  // label, so the stream count stays what the labels allow. LogQL: {job="vigil"} | workload="<key>".
  const workload = event.workload ? `,"workload":${JSON.stringify(event.workload)}` : '';
  const metadata = options.metadata ? `,{"event_id":${JSON.stringify(event.id)}${workload}}` : '';
  return { position, stream, labels, nanos, lineBytes: Buffer.byteLength(event.json), text: `["${nanos}",${JSON.stringify(event.json)}${metadata}]` };
}

/** 0 to 999,999 ns from the event id (FNV-1a): the same for the same event, spread for others. */
export function subMillisecond(id: string): bigint {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return BigInt(hash % 1_000_000);
}

/**
 * Upper bound of the bytes an entry adds to a push body. Its stream header is counted with every
 * entry (a safe overestimate: a few percent), so a body never exceeds max_bytes.
 */
export function entryBytes(entry: LokiEntry): number {
  return Buffer.byteLength(entry.text) + Buffer.byteLength(entry.stream) + 24;
}

/**
 * The JSON push body: entries grouped into streams, sorted by time within each stream (Loki
 * rejects entries too far behind a stream's newest, so never send newer before older).
 */
export function pushBody(entries: readonly LokiEntry[]): string {
  const streams = new Map<string, LokiEntry[]>();
  for (const entry of entries) {
    const list = streams.get(entry.stream);
    if (list) list.push(entry);
    else streams.set(entry.stream, [entry]);
  }
  const parts: string[] = [];
  for (const [stream, list] of streams) {
    list.sort((a, b) => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0));
    parts.push(`{"stream":${stream},"values":[${list.map((entry) => entry.text).join(',')}]}`);
  }
  return `{"streams":[${parts.join(',')}]}`;
}
