/**
 * A strict Grafana Loki push double (Loki docs/sources/reference/loki-http-api.md "Ingest logs")
 * over real HTTP.
 *
 *   const loki = await LokiDouble.start({ authEnabled: true, authorization: 'Bearer t', maxContentLength: 4096 });
 *   loki.entries                    entries stored, in arrival order: { tenant, labels, timestamp
 *                                   (the ns string as sent), line, metadata }
 *   loki.rejectEntries(e => ..., reason?)  matching entries are refused by the ingester (default
 *                                   reason "entry too far behind, …") while the rest of the push
 *                                   is stored; the 400 body is the ingester's report: of the LAST
 *                                   stream of the push only (a later stream stored in full makes
 *                                   it 204), listing at most `maxReturnedErrors` (10) entries with
 *                                   the true totals; until loki.clearEntryFaults() or loki.reset()
 *   loki.refuseAtDistributor(e => ..., 'too_old' | 'too_new' | 'line_too_long')  refused by the
 *                                   distributor's validation: every one reported, identical
 *                                   messages grouped ("2 errors like: …", "; "-joined), unless the
 *                                   ingester also refused something: its answer replaces them
 *   loki.blockIngestion(true)       answer 260 (blocked_ingestion: accepted, discarded) until false
 *   loki.forgetEntries()            empty the store as a fresh Loki would be (entries and streams)
 *   plus failNext / dropNext / delay / down / up / requests from HttpDouble.
 *
 * Enforced as Loki does: POST /loki/api/v1/push with `Content-Type: application/json` (else 400,
 * Loki would read snappy protobuf); Content-Encoding none/gzip/deflate/snappy; X-Scope-OrgID when
 * authEnabled (401 "no org id"; one tenant only); timestamps as strings of nanosecond digits and
 * lines as strings (else the whole body is unparsable: 400); structured metadata string→string;
 * per stream: at least one label, names [a-zA-Z_][a-zA-Z0-9_]* not starting "__", at most 15,
 * no duplicates (bad streams refused, the others stored, then 400); no streams → 422; success 204.
 *
 * Duplicates as Loki's ingester handles them: an entry with the timestamp and line of its
 * stream's last stored line is skipped before any check (stream.go validateEntries, lastLine); one
 * whose timestamp and line match an entry in the stream's head block is not stored again
 * (chunkenc unordered head block Append → dup). Neither counts as ignored: a push of nothing but
 * duplicates is answered 204. The head block holds the lines appended since it was last cut, which
 * happens once it reaches `blockSize` bytes of lines (Loki's chunk_block_size, 256 KiB): a
 * duplicate of an entry in an older block is stored twice, as in Loki.
 */
import { HttpDouble, type DoubleReply, type RecordedRequest } from './http-double.ts';

export interface LokiDoubleOptions {
  /** Loki's auth_enabled: require X-Scope-OrgID. Default true; false stores as tenant "fake". */
  authEnabled?: boolean;
  /** An Authorization header value a gateway in front of Loki requires. */
  authorization?: string;
  /** Larger bodies (after decompression) get 413. */
  maxContentLength?: number;
  /** Bytes of lines after which a stream's head block is cut (chunk_block_size); default 262144. */
  blockSize?: number;
  /** Ingester's max_returned_stream_errors: refused entries listed per answer; default 10. */
  maxReturnedErrors?: number;
}

/** What the distributor's validation refuses, each with Loki's message (pkg/validation). */
export type DistributorRefusal = 'too_old' | 'too_new' | 'line_too_long';

/** What the ingester remembers of one stream for its duplicate checks. */
interface StreamState {
  lastLine?: string;
  /** `timestamp line` of each entry in the head block; lastLine is the last one stored, same form. */
  head: Set<string>;
  headBytes: number;
}

export interface LokiStoredEntry {
  tenant: string;
  labels: Record<string, string>;
  timestamp: string;
  line: string;
  metadata?: Record<string, string>;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TOO_FAR_BEHIND = 'entry too far behind, entry timestamp is: 2025-03-14T09:00:00Z, oldest acceptable timestamp is: 2025-03-14T10:00:00Z';

export class LokiDouble extends HttpDouble {
  readonly entries: LokiStoredEntry[] = [];
  readonly #authEnabled: boolean;
  readonly #authorization: string | undefined;
  readonly #maxContentLength: number;
  readonly #blockSize: number;
  readonly #maxReturnedErrors: number;
  readonly #streams = new Map<string, StreamState>();
  #distributorRefusals: Array<{ matches: (entry: LokiStoredEntry) => boolean; kind: DistributorRefusal }> = [];
  #rejections: Array<{ matches: (entry: LokiStoredEntry) => boolean; reason: string }> = [];
  #blocked = false;

  constructor(options: LokiDoubleOptions = {}) {
    super();
    this.#authEnabled = options.authEnabled ?? true;
    this.#authorization = options.authorization;
    this.#maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
    this.#blockSize = options.blockSize ?? 256 * 1024;
    this.#maxReturnedErrors = options.maxReturnedErrors ?? 10;
  }

  static async start(options: LokiDoubleOptions = {}): Promise<LokiDouble> {
    const double = new LokiDouble(options);
    await double.up();
    return double;
  }

  rejectEntries(matches: (entry: LokiStoredEntry) => boolean, reason = TOO_FAR_BEHIND): void {
    this.#rejections.push({ matches, reason });
  }

  /** Matching entries are refused by the distributor's validation, reported as it does. */
  refuseAtDistributor(matches: (entry: LokiStoredEntry) => boolean, kind: DistributorRefusal): void {
    this.#distributorRefusals.push({ matches, kind });
  }

  clearEntryFaults(): void {
    this.#rejections = [];
    this.#distributorRefusals = [];
  }

  blockIngestion(blocked: boolean): void {
    this.#blocked = blocked;
  }

  forgetEntries(): void {
    this.entries.length = 0;
    this.#streams.clear();
  }

  /** Also forgets entry faults and the block; stored entries stay. */
  override reset(): void {
    super.reset();
    this.clearEntryFaults();
    this.#blocked = false;
  }

  protected override faultReply(status: number): DoubleReply {
    const texts: Record<number, string> = {
      413: 'request body too large',
      429: "Ingestion rate limit exceeded for user fake (limit: 4194304 bytes/sec) while attempting to ingest '1' lines totaling '100' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased",
      500: 'rpc error: code = Unavailable desc = ingester unavailable',
      503: 'circuit breaker open',
    };
    return text(status, texts[status] ?? `error ${status}`);
  }

  protected override handle(request: RecordedRequest): DoubleReply {
    if (request.method !== 'POST' || request.path !== '/loki/api/v1/push') return text(404, '404 page not found');
    if (this.#authorization !== undefined && request.headers.authorization !== this.#authorization) return text(401, 'Unauthorized');
    let tenant = 'fake';
    if (this.#authEnabled) {
      const orgId = request.headers['x-scope-orgid'];
      if (typeof orgId !== 'string' || orgId === '') return text(401, 'no org id');
      if (orgId.includes('|')) return text(400, 'multiple org IDs present');
      tenant = orgId;
    }
    const essence = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (essence !== 'application/json') return text(400, 'loghttp: snappy: corrupt input (body is decoded as protobuf unless Content-Type is application/json)');
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && !['gzip', 'deflate', 'snappy'].includes(encoding)) return text(400, `Content-Encoding ${encoding} not supported`);
    if (Buffer.byteLength(request.body) > this.#maxContentLength) return text(413, 'request body too large');
    if (this.#blocked) return text(260, `ingestion blocked for user ${tenant} until '2099-01-01T00:00:00Z' with status code 260`);

    const parsed = parsePush(request.body);
    if (typeof parsed === 'string') return text(400, parsed);
    if (parsed.length === 0) return text(422, 'error at least one valid stream is required for ingestion');

    // The distributor validates every stream and entry first: what it refuses is reported all
    // together (GroupedErrors), the rest goes to the ingester.
    const validation: string[] = [];
    const valid: PushStream[] = [];
    for (const stream of parsed) {
      const labelError = checkLabels(stream.labels);
      if (labelError) {
        validation.push(labelError);
        continue;
      }
      const values = stream.values.filter(([timestamp, line, metadata]) => {
        const entry: LokiStoredEntry = { tenant, labels: stream.labels, timestamp, line, ...(metadata ? { metadata } : {}) };
        const refusal = this.#distributorRefusals.find((candidate) => candidate.matches(entry));
        if (refusal) validation.push(distributorMessage(refusal.kind, stream.labels, timestamp, line));
        return !refusal;
      });
      if (values.length > 0) valid.push({ labels: stream.labels, values });
    }
    // The ingester answers for the last stream of its request only: a later stream stored in
    // full overwrites an earlier stream's error (instance.go Push, appendErr).
    let ingesterError: string | undefined;
    for (const stream of valid) {
      const ignored: Array<{ timestamp: string; reason: string }> = [];
      const state = this.#stream(tenant, stream.labels);
      for (const [timestamp, line, metadata] of stream.values) {
        const entry: LokiStoredEntry = { tenant, labels: stream.labels, timestamp, line, ...(metadata ? { metadata } : {}) };
        const key = `${timestamp} ${line}`;
        if (key === state.lastLine) continue;
        const rejection = this.#rejections.find((candidate) => candidate.matches(entry));
        if (rejection) {
          ignored.push({ timestamp, reason: rejection.reason });
          continue;
        }
        state.lastLine = key;
        if (state.head.has(key)) continue;
        this.entries.push(entry);
        state.head.add(key);
        state.headBytes += Buffer.byteLength(line);
        if (state.headBytes >= this.#blockSize) {
          state.head.clear();
          state.headBytes = 0;
        }
      }
      ingesterError = ignored.length === 0 ? undefined : [
        ...ignored.slice(0, this.#maxReturnedErrors).map(({ timestamp, reason }) => `entry with timestamp ${goTime(timestamp)} ignored, reason: '${reason}',`),
        `user '${tenant}', total ignored: ${ignored.length} out of ${stream.values.length} for stream: ${labelText(stream.labels)}`,
      ].join('\n');
    }
    // An ingester error replaces the distributor's validation errors (distributor.go Push).
    if (ingesterError) return text(400, ingesterError);
    if (validation.length > 0) return text(400, groupedErrors(validation));
    return { status: 204 };
  }

  #stream(tenant: string, labels: Record<string, string>): StreamState {
    const key = `${tenant} ${labelText(labels)}`;
    let state = this.#streams.get(key);
    if (!state) this.#streams.set(key, (state = { head: new Set(), headBytes: 0 }));
    return state;
  }
}

interface PushStream {
  labels: Record<string, string>;
  values: Array<[string, string, Record<string, string> | undefined]>;
}

/** The push body's streams, or the parse error Loki would answer. */
function parsePush(body: string): PushStream[] | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return `loghttp: cannot parse push body: ${(error as Error).message}`;
  }
  const streams = (json as { streams?: unknown })?.streams;
  if (!Array.isArray(streams)) return 'loghttp: "streams" must be an array';
  const result: PushStream[] = [];
  for (const stream of streams as Array<{ stream?: unknown; values?: unknown }>) {
    const labels = stream?.stream ?? {};
    if (typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
      return 'loghttp: stream labels must be an object of strings';
    }
    if (!Array.isArray(stream.values)) return 'loghttp: "values" must be an array';
    const values: PushStream['values'] = [];
    for (const value of stream.values as unknown[]) {
      if (!Array.isArray(value) || value.length < 2 || value.length > 3) return 'loghttp: each value must be [timestamp, line] or [timestamp, line, metadata]';
      const [timestamp, line, metadata] = value;
      if (typeof timestamp !== 'string') return 'loghttp: Value looks like Number, but can\'t be parsed as String (timestamps must be strings)';
      if (!/^\d+$/.test(timestamp)) return `loghttp: invalid timestamp ${JSON.stringify(timestamp)}`;
      if (typeof line !== 'string') return 'loghttp: the log line must be a string';
      if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata) ||
        Object.values(metadata).some((v) => typeof v !== 'string'))) {
        return 'loghttp: structured metadata must be an object of strings';
      }
      values.push([timestamp, line, metadata as Record<string, string> | undefined]);
    }
    result.push({ labels: labels as Record<string, string>, values });
  }
  return result;
}

function checkLabels(labels: Record<string, string>): string | undefined {
  const names = Object.keys(labels);
  if (names.length === 0) return 'error at least one label pair is required per stream';
  if (names.length > 15) return `entry for stream '${labelText(labels)}' has ${names.length} label names; limit 15`;
  for (const name of names) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) return `error parsing labels '${labelText(labels)}': invalid label name ${JSON.stringify(name)}`;
  }
  return undefined;
}

/** The distributor's message for one refused entry (pkg/validation/validate.go; times as RFC 3339). */
function distributorMessage(kind: DistributorRefusal, labels: Record<string, string>, timestamp: string, line: string): string {
  const at = new Date(Number(BigInt(timestamp) / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const stream = labelText(labels);
  if (kind === 'too_old') return `entry for stream '${stream}' has timestamp too old: ${at}, oldest acceptable timestamp is: 2025-01-01T00:00:00Z`;
  if (kind === 'too_new') return `entry for stream '${stream}' has timestamp too new: ${at}`;
  return `Max entry size '4096' bytes exceeded for stream '${stream}' while adding an entry with length '${Buffer.byteLength(line)}' bytes`;
}

/** dskit GroupedErrors.Error(): identical messages once with their count, joined with "; ". */
function groupedErrors(messages: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  return [...counts].map(([message, n]) => (counts.size > 1 || n > 1 ? `${n} errors like: ${message}` : message)).join('; ');
}

/** Labels as Prometheus prints them: {a="b", c="d"}, names sorted. */
function labelText(labels: Record<string, string>): string {
  return `{${Object.keys(labels).sort().map((name) => `${name}=${JSON.stringify(labels[name])}`).join(', ')}}`;
}

/** Epoch nanoseconds as Go's time.Time.String() prints them in UTC. */
function goTime(nanos: string): string {
  const value = BigInt(nanos);
  const seconds = value / 1_000_000_000n;
  const fraction = (value % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${base}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

function text(status: number, body: string): DoubleReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${body}\n` };
}
