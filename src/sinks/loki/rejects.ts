/**
 * What Loki's 400 answer to a push says about the entries it refused. Loki stores the valid
 * entries of a push even when it refuses others, and names the refused ones in one of two forms:
 *
 * The distributor's validation (pkg/distributor/validator.go, messages in pkg/validation), every
 * refused entry, identical messages grouped ("3 errors like: …") and joined with "; " (dskit
 * util.GroupedErrors):
 *
 *   entry for stream '{job="vigil"}' has timestamp too old: 2025-01-01T00:00:00Z, oldest acceptable timestamp is: …
 *   entry for stream '{job="vigil"}' has timestamp too new: 2099-01-01T00:00:00Z
 *   Max entry size '262144' bytes exceeded for stream '{job="vigil"}' while adding an entry with length '300000' bytes
 *
 * The ingester (pkg/ingester/stream.go errorForFailedEntries), for one stream only, at most
 * max_returned_stream_errors (default 10) entries listed, and the true totals:
 *
 *   entry with timestamp 2025-03-14 09:26:53.589793238 +0000 UTC ignored, reason: 'entry too far behind, …',
 *   user 'tenant', total ignored: 1 out of 3 for stream: {dataset="falco.alerts", job="vigil"}
 */

/** One message of the report: the entries of `labels` it names and why. */
export interface Refusal {
  labels: Record<string, string>;
  /** Which entries: by time (to `unitNanos` precision), or by the byte length of the line. */
  match: { nanos: bigint; unitNanos: bigint } | { lineBytes: number };
  /** How many entries the message stands for. */
  count: number;
  reason: string;
}

export interface RejectReport {
  refusals: Refusal[];
  /**
   * Set for the ingester's form: how many entries it refused in all and out of how many it
   * received. Listed fewer than `ignored`: the list was cut short.
   */
  totals?: { ignored: number; outOf: number; labels: Record<string, string> };
}

const IGNORED = /^entry with timestamp (.+?) ignored, reason: '(.*)',$/;
const TOTAL = /^user '.*', total ignored: (\d+) out of (\d+) for stream: (\{.*\})$/;
const GROUPED = /^(\d+) errors like: ([\s\S]*)$/;
const TOO_OLD_OR_NEW = /^entry for stream '(\{.*\})' has timestamp too (?:old|new): (\S+)/;
const LINE_TOO_LONG = /^Max entry size '\d+' bytes exceeded for stream '(\{.*\})' while adding an entry with length '(\d+)' bytes$/;
/** Where GroupedErrors joined two messages: "; " before the start of a known message. */
const MESSAGE_SEPARATOR = /; (?=\d+ errors like: |entry for stream '|Max entry size ')/;
const GO_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2})(?: \S+)?$/;
const RFC3339 = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The report in a 400 body, or undefined when any part of it is something else. */
export function parseRejectReport(body: string): RejectReport | undefined {
  const text = body.trim();
  return text.startsWith('entry with timestamp ') ? parseIngesterReport(text) : parseDistributorReport(text);
}

function parseIngesterReport(text: string): RejectReport | undefined {
  const refusals: Refusal[] = [];
  const lines = text.split('\n');
  const total = TOTAL.exec(lines.pop()!);
  if (!total) return undefined;
  const labels = parseLabels(total[3]!);
  for (const line of lines) {
    const ignored = IGNORED.exec(line);
    const nanos = ignored ? parseGoTime(ignored[1]!) : undefined;
    if (nanos === undefined) return undefined;
    refusals.push({ labels, match: { nanos, unitNanos: 1n }, count: 1, reason: ignored![2]! });
  }
  return { refusals, totals: { ignored: Number(total[1]), outOf: Number(total[2]), labels } };
}

function parseDistributorReport(text: string): RejectReport | undefined {
  const refusals: Refusal[] = [];
  for (const part of text.split(MESSAGE_SEPARATOR)) {
    const grouped = GROUPED.exec(part);
    const count = grouped ? Number(grouped[1]) : 1;
    const message = grouped ? grouped[2]! : part;
    const time = TOO_OLD_OR_NEW.exec(message);
    if (time) {
      const at = parseRfc3339(time[2]!.replace(/,$/, ''));
      if (!at) return undefined;
      refusals.push({ labels: parseLabels(time[1]!), match: at, count, reason: message });
      continue;
    }
    const long = LINE_TOO_LONG.exec(message);
    if (!long) return undefined;
    refusals.push({ labels: parseLabels(long[1]!), match: { lineBytes: Number(long[2]) }, count, reason: message });
  }
  return refusals.length > 0 ? { refusals } : undefined;
}

/** Go's time.Time.String() ("2006-01-02 15:04:05.999999999 -0700 MST") as epoch nanoseconds. */
export function parseGoTime(text: string): bigint | undefined {
  const match = GO_TIME.exec(text);
  if (!match) return undefined;
  const [, day, time, fraction = '', sign, hours, minutes] = match;
  return epochNanos(day!, time!, fraction, sign === '-' ? -1 : 1, Number(hours), Number(minutes));
}

/** RFC 3339 time as epoch nanoseconds and the precision it was written with (a second without a fraction). */
export function parseRfc3339(text: string): { nanos: bigint; unitNanos: bigint } | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, day, time, fraction = '', zone, sign, hours, minutes] = match;
  const nanos = zone === 'Z' ? epochNanos(day!, time!, fraction, 1, 0, 0) : epochNanos(day!, time!, fraction, sign === '-' ? -1 : 1, Number(hours), Number(minutes));
  return nanos === undefined ? undefined : { nanos, unitNanos: 10n ** BigInt(9 - fraction.length) };
}

function epochNanos(day: string, time: string, fraction: string, sign: number, hours: number, minutes: number): bigint | undefined {
  const ms = Date.parse(`${day}T${time}Z`);
  if (Number.isNaN(ms)) return undefined;
  const offsetMs = (hours * 60 + minutes) * 60_000 * sign;
  return BigInt(ms - offsetMs) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/** Prometheus label text ({a="b", c="d"}) as a map. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, name, quoted] of text.matchAll(LABEL)) {
    try {
      labels[name!] = JSON.parse(`"${quoted}"`) as string;
    } catch {
      labels[name!] = quoted!;
    }
  }
  return labels;
}
