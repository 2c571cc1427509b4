/**
 * Loki's report of the entries it ignored (loki:pkg/ingester/stream.go): valid entries of a push
 * are stored even when others are refused, and the 400 body lists the refused ones:
 *
 *   entry with timestamp 2025-03-14 09:26:53.589793238 +0000 UTC ignored, reason: 'entry too far behind, …',
 *   user 'tenant', total ignored: 1 out of 3 for stream: {dataset="falco.alert", job="vigil"}
 *
 * Reading it tells which events really failed, so the others are not dead-lettered (and later
 * replayed as duplicates).
 */

export interface RejectedEntry {
  nanos: bigint;
  reason: string;
}

export interface StreamReport {
  labels: Record<string, string>;
  rejected: RejectedEntry[];
}

const IGNORED = /^entry with timestamp (.+?) ignored, reason: '(.*)',$/;
const TOTAL = /^user '.*', total ignored: (\d+) out of (\d+) for stream: (\{.*\})$/;
const GO_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2})(?: \S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The streams and entries the report names, or undefined when the body is anything else, or when
 * it lists fewer entries than its totals (Loki caps the list at max_returned_stream_errors): then
 * nobody can tell which entries failed.
 */
export function parseRejectReport(body: string): StreamReport[] | undefined {
  const reports: StreamReport[] = [];
  let pending: RejectedEntry[] = [];
  for (const line of body.trim().split('\n')) {
    const ignored = IGNORED.exec(line);
    if (ignored) {
      const nanos = parseGoTime(ignored[1]!);
      if (nanos === undefined) return undefined;
      pending.push({ nanos, reason: ignored[2]! });
      continue;
    }
    const total = TOTAL.exec(line);
    if (!total || Number(total[1]) !== pending.length) return undefined;
    reports.push({ labels: parseLabels(total[3]!), rejected: pending });
    pending = [];
  }
  return reports.length > 0 && pending.length === 0 ? reports : undefined;
}

/** Go's time.Time.String() ("2006-01-02 15:04:05.999999999 -0700 MST") as epoch nanoseconds. */
export function parseGoTime(text: string): bigint | undefined {
  const match = GO_TIME.exec(text);
  if (!match) return undefined;
  const [, day, time, fraction = '', sign, hours, minutes] = match;
  const ms = Date.parse(`${day}T${time}Z`);
  if (Number.isNaN(ms)) return undefined;
  const offsetMs = (Number(hours) * 60 + Number(minutes)) * 60_000 * (sign === '-' ? -1 : 1);
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
