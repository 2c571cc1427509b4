import { Metrics } from '../../src/metrics/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createHttpApp } from '../../src/ingest/http/app.ts';
import type { BenchResult } from './run.ts';

const ROUNDS = 7;
const BODY_LIMIT = 1_048_576;

/**
 * What refusing a body over listen.http_max_items_per_request costs the listener's thread (it
 * runs before anything is stored, on the same event loop as every other request), beside
 * accepting a real batch: the API server's default 400 audit events. Bodies are full 1 MiB of
 * `{}` items, the worst case of the item cap.
 */
export async function run(): Promise<BenchResult> {
  const app = createHttpApp({ submit: async () => undefined, metrics: new Metrics(), ready: () => true, bodyLimit: BODY_LIMIT, logger: silentLogger });
  const auditEvent = {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', stage: 'ResponseComplete', verb: 'get',
    requestURI: '/api/v1/namespaces/payments/secrets/db-password', user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
    sourceIPs: ['10.12.0.7'], userAgent: 'kubectl/v1.31.0', objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-password', apiVersion: 'v1' },
    responseStatus: { code: 200 }, requestReceivedTimestamp: '2025-06-03T14:07:07.123456Z', stageTimestamp: '2025-06-03T14:07:07.125678Z',
  };
  const cases: Array<[key: string, name: string, url: string, type: string, payload: string]> = [
    ['refuse_ndjson_ms', 'NDJSON of {} lines (349,000)', '/ingest/json', 'application/x-ndjson', '{}\n'.repeat(349_000)],
    ['refuse_array_ms', 'JSON array of {} (349,000)', '/ingest/json', 'application/json', `[${Array.from({ length: 349_000 }, () => '{}').join(',')}]`],
    ['refuse_eventlist_ms', 'EventList of {} (349,000)', '/ingest/k8s-audit', 'application/json', `{"kind":"EventList","items":[${Array.from({ length: 349_000 }, () => '{}').join(',')}]}`.slice(0, BODY_LIMIT)],
    ['accept_audit_batch_ms', 'EventList of 400 audit events (accepted)', '/ingest/k8s-audit', 'application/json',
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: Array.from({ length: 400 }, (_, i) => ({ ...auditEvent, auditID: `id-${i}` })) })],
  ];
  const lines: string[] = [];
  const figures: Record<string, number> = {};
  for (const [key, name, url, type, payload] of cases) {
    const times: number[] = [];
    let status = 0;
    for (let i = 0; i <= ROUNDS; i++) {
      const start = process.hrtime.bigint();
      const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': type } });
      if (i > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6); // the first round warms the JIT
      status = res.statusCode;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    lines.push(`${name}: ${status}, median ${median.toFixed(1)} ms of the listener thread (${(payload.length / 1024).toFixed(0)} KiB)`);
    figures[key] = Number(median.toFixed(1));
  }
  lines.push(`(median of ${ROUNDS} requests each, app.inject on one thread, wall clock)`);
  await app.close();
  return { lines, figures };
}
