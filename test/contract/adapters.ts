import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import type { HttpDouble } from '../support/doubles/http-double.ts';
import { LokiDouble } from '../support/doubles/loki.ts';
import { SplunkHecDouble } from '../support/doubles/splunk-hec.ts';

/**
 * How the sink contract suite drives one sink: start its backend (a strict double), point vigil
 * at it, read back what it stored, take it down and up, and inject the faults the real backend
 * produces. One entry per sink in src/sinks/index.ts: the suite fails for a sink without one.
 * A flavour of an existing backend (OpenSearch for the Elasticsearch sink, say) is one more entry.
 */
export interface SinkAdapter {
  /** The sink's name in the registry (src/sinks/index.ts). */
  sink: string;
  start(): Promise<ContractBackend>;
}

export interface ContractBackend {
  /** Environment that turns the sink on against this backend. */
  env: Record<string, string>;
  /** The sink's own keys under sinks.<name> (YAML flow mapping text, e.g. `{ tenant: t }`). */
  sinkConfig: string;
  /** The ECS JSON text of every event the backend stored, one entry per stored copy. */
  stored(): string[];
  /** The backend is unreachable (refused connections, failed writes) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
  /**
   * Writes are keyed by event id (a resent event the backend already has is not stored twice),
   * so exactly-once holds even when the answer to a stored request is lost. Backends without it
   * only get faults where the request was not processed (dropped before, refused, throttled).
   */
  idempotent: boolean;
  /** Transient faults the real backend produces, each injected for a while under load; none: skipped. */
  faults?: TransientFault[];
  /** Makes the backend refuse for good (e.g. a mapping error) every event whose text matches. */
  rejectFor?(matches: (text: string) => boolean): void;
  /** The cause is fixed: the backend takes those events again. */
  fixRejection?(): void;
  /** The dead-letter reason vigil must record for that refusal. */
  rejectionReason?: string;
  /**
   * The backend's HTTP double and the path of the requests that carry events: the production-size
   * fault scenarios (production.ts) aim their faults at those, leaving setup calls alone.
   */
  http?: { double: HttpDouble; dataPath: RegExp };
  /**
   * Scenarios of production.ts this sink is known to fail, with why: run and reported as TODO
   * (visible in every test run) rather than left out.
   */
  knownIssues?: { refusedAtProductionSize?: string };
  /** Some items of the next requests refused for now (busy), the rest stored: backends that answer per item. */
  partialFault?: { name: string; inject(): void; clear(): void; happened(): boolean };
}

export interface TransientFault {
  name: string;
  inject(): void;
  clear(): void;
  /** The backend really answered with the fault at least once (a scenario that cannot fail is worthless). */
  happened(): boolean;
}

/** Answered with that status at least once (0 = a connection dropped without an answer). */
const answered = (double: HttpDouble, status: number) => () => double.requests.some((r) => r.status === status);

/** Every second event or so, picked by its marker's last digit: the "some items" of a partial failure. */
const someItems = (text: string) => /ct-[0-9a-f]{8}-\d*[13579](?!\d)/.test(text);

function httpFaults(double: HttpDouble, idempotent: boolean): TransientFault[] {
  return [
    { name: 'whole-request 429 with Retry-After', inject: () => double.failNext(3, 429, { retryAfter: 1 }), clear: () => double.reset(), happened: answered(double, 429) },
    { name: '503 burst', inject: () => double.failNext(6, 503), clear: () => double.reset(), happened: answered(double, 503) },
    // Within the sink's timeout: a slow backend that still answers. An idempotent backend also
    // gets answers later than the timeout (the request was processed; the resend must be a no-op).
    { name: 'slow responses', inject: () => double.delay(idempotent ? 1_500 : 400), clear: () => double.delay(0), happened: () => true },
    {
      name: idempotent ? 'connections dropped after the backend stored the request' : 'connections dropped before the backend read the request',
      inject: () => double.dropNext(3, idempotent ? 'after' : 'before'),
      clear: () => double.reset(),
      happened: answered(double, 0),
    },
    // 401/403 halt the sink (events wait in its queue) rather than dead-letter a backlog.
    { name: 'credentials refused (401)', inject: () => double.failNext(6, 401), clear: () => double.reset(), happened: answered(double, 401) },
    { name: 'permission refused (403)', inject: () => double.failNext(6, 403), clear: () => double.reset(), happened: answered(double, 403) },
  ];
}

/** Elasticsearch and OpenSearch share the bulk API: one adapter shape, the double in either product's mode. */
function bulkAdapter(sink: 'elasticsearch' | 'opensearch', urlVariable: string, options: Parameters<typeof ElasticsearchDouble.start>[0]): SinkAdapter {
  return { sink, start: () => startBulkBackend(urlVariable, options) };
}

async function startBulkBackend(urlVariable: string, options: Parameters<typeof ElasticsearchDouble.start>[0]): Promise<ContractBackend> {
  const es = await ElasticsearchDouble.start(options);
  let itemFaults = 0;
  const itemFault = (status: 429 | 503): TransientFault => ({
    name: `${status} on some bulk items`,
    inject: () => es.failItems((doc) => someItems(doc.source) && ++itemFaults > 0, status),
    clear: () => es.clearItemFaults(),
    happened: () => itemFaults > 0,
  });
  return {
    env: { [urlVariable]: es.url },
    sinkConfig: '{ timeout_ms: 1000 }',
    stored: () => es.allDocuments().map((doc) => doc.source),
    down: () => es.down(),
    up: () => es.up(),
    close: () => es.close(),
    idempotent: true,
    faults: [...httpFaults(es, true), itemFault(429), itemFault(503)],
    rejectFor: (matches) => es.failItems((doc) => matches(doc.source), 400),
    fixRejection: () => es.clearItemFaults(),
    rejectionReason: 'mapping_error',
    http: { double: es, dataPath: /\/_bulk$/ },
    partialFault: (() => {
      // The next 300 items are refused for now (429), the others of their bulks stored.
      let left = 0;
      return {
        name: '429 on 300 items of full bulks',
        inject: () => {
          left = 300;
          es.failItems(() => left-- > 0, 429);
        },
        clear: () => es.clearItemFaults(),
        happened: () => left < 300,
      };
    })(),
  };
}

const elasticsearch = bulkAdapter('elasticsearch', 'VIGIL_ES_URL', { major: 8 });
const opensearch = bulkAdapter('opensearch', 'VIGIL_OPENSEARCH_URL', { product: 'opensearch' });

const splunkHec: SinkAdapter = {
  sink: 'splunk-hec',
  async start() {
    const token = 'contract-token';
    const hec = await SplunkHecDouble.start({ token });
    // A HEC object carries the ECS event under `event`.
    const stored = () => hec.events.map((e) => JSON.stringify(e.event.event));
    return {
      env: { VIGIL_SPLUNK_HEC_URL: hec.url, VIGIL_SPLUNK_HEC_TOKEN: token },
      sinkConfig: '{ timeout_ms: 5000 }',
      stored,
      down: () => hec.down(),
      up: () => hec.up(),
      close: () => hec.close(),
      idempotent: false,
      faults: [
        ...httpFaults(hec, false),
        (() => {
          // HEC indexed the events before the 3rd, then was busy: only the rest may be resent.
          // The fault applies to the next request only, which may hold fewer events: re-armed.
          let timer: NodeJS.Timeout | undefined;
          return {
            name: 'server busy partway through a batch (invalid-event-number)',
            inject: () => (timer = setInterval(() => hec.failEventAt(2, 9), 150)),
            clear: () => {
              clearInterval(timer);
              hec.clearEventFaults();
            },
            happened: answered(hec, 503),
          };
        })(),
      ],
      rejectFor: (matches) => hec.rejectEvents((e) => matches(e.raw), 6),
      http: { double: hec, dataPath: /^\/services\/collector\/event$/ },
      // HEC indexes a request's events up to the 100th, then is busy (code 9, invalid-event-number 100).
      partialFault: {
        name: 'server busy at event 100 of a request (invalid-event-number)',
        inject: () => hec.failEventAt(100, 9),
        clear: () => hec.clearEventFaults(),
        happened: () => hec.requests.some((r) => r.status === 503),
      },
      fixRejection: () => hec.clearEventFaults(),
      rejectionReason: 'rejected',
    };
  },
};

const loki: SinkAdapter = {
  sink: 'loki',
  async start() {
    const double = await LokiDouble.start({ authEnabled: true });
    return {
      env: { VIGIL_LOKI_URL: double.url },
      sinkConfig: '{ tenant: contract, timeout_ms: 5000 }',
      stored: () => double.entries.map((e) => e.line),
      down: () => double.down(),
      up: () => double.up(),
      close: () => double.close(),
      idempotent: false,
      faults: [
        ...httpFaults(double, false),
        { name: '500 burst', inject: () => double.failNext(4, 500), clear: () => double.reset(), happened: answered(double, 500) },
      ],
      rejectFor: (matches) => double.rejectEntries((e) => matches(e.line)),
      fixRejection: () => double.clearEntryFaults(),
      rejectionReason: 'rejected',
      http: { double, dataPath: /^\/loki\/api\/v1\/push$/ },
    };
  },
};

const file: SinkAdapter = {
  sink: 'file',
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-contract-file-'));
    // `out` is a symlink, swapped atomically (rename over it) between the real directory and a
    // plain file: a lost mount. There is never a moment without `out`, so the sink, which creates
    // missing directories, cannot make a fresh one that a later move would collide with.
    const real = join(dir, 'real');
    const blocker = join(dir, 'not-a-directory');
    mkdirSync(real);
    writeFileSync(blocker, 'not a directory');
    const outDir = join(dir, 'out');
    symlinkSync(real, outDir);
    const point = (target: string) => {
      const next = `${outDir}.next`;
      rmSync(next, { force: true });
      symlinkSync(target, next);
      renameSync(next, outDir);
    };
    const stored = join(real, 'events.ndjson');
    return {
      env: { VIGIL_FILE_PATH: join(outDir, 'events.ndjson') },
      sinkConfig: '{}',
      // Only whole lines: a read can land while the sink's write is still going in, and a cut
      // last line, counted now, would hide the rest of it from the next read.
      stored: () => (existsSync(stored) ? readFileSync(stored, 'utf8').split('\n').slice(0, -1).filter((line) => line !== '') : []),
      async down() {
        point(blocker);
      },
      async up() {
        point(real);
      },
      async close() {
        rmSync(dir, { recursive: true, force: true });
      },
      idempotent: false,
    };
  },
};

/** Every sink's adapter, by registry name. */
export const adapters: Record<string, SinkAdapter> = {
  elasticsearch,
  opensearch,
  'splunk-hec': splunkHec,
  loki,
  file,
};
