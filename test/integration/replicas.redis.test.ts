import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { startTestRedis } from '../support/redis.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from '../support/memory-sink.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { SplunkHecDouble } from '../support/doubles/splunk-hec.ts';
import { LokiDouble } from '../support/doubles/loki.ts';
import { TcpStream, WebhookStream, copies, markerCounts, markerCountsOf, type MarkedEvent, assertStoredExactlyOnce } from '../support/streams.ts';

// Production batches (batch.* defaults); short job locks so a killed node's jobs are taken over
// within seconds (production: 30 s); fast retries. Every node has the same sinks: these two, and
// Splunk HEC and Loki from the environment.
const CONFIG = `
jobs: { lock_ms: 2000, stalled_check_ms: 500 }
delivery: { initial_backoff_ms: 50, max_backoff_ms: 300, max_attempts: 1000 }
sinks:
  elasticsearch: {}
  file: {}
`;
const TOTAL = 50_000;
const PER_BODY = 100;
const ROLES = ['ingest', 'process', 'deliver'] as const;
const HEC_TOKEN = 'hec-token-replicas';

/** A Kubernetes audit EventList of PER_BODY events; each item's identity (auditID) comes from its marker. */
const auditBody = (marker: string): string => JSON.stringify({
  kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {},
  items: Array.from({ length: PER_BODY }, (_, i) => ({
    level: 'Metadata', auditID: `audit-${marker.slice(2)}.${i}`, stage: 'ResponseComplete', verb: 'get',
    requestURI: '/api/v1/namespaces/default/pods', user: { username: `${marker}.${i}` },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z',
  })),
});

/** One replica: a role, its own data dir and (ingest) fixed ports, so a restart comes back where it was. */
interface Replica { name: string; env: Record<string, string>; vigil?: SpawnedVigil }

test('two ingest, two process and two deliver nodes on one Redis; one of each killed (SIGKILL) mid-flight and restarted: every acknowledged event in Elasticsearch exactly once, in Splunk HEC, Loki and the file at least once', async (t) => {
  const redis = await startTestRedis();
  const es = await ElasticsearchDouble.start({ major: 8 });
  const hec = await SplunkHecDouble.start({ token: HEC_TOKEN });
  const loki = await LokiDouble.start({ authEnabled: false });
  const sinkEnv = { VIGIL_ES_URL: es.url, VIGIL_SPLUNK_HEC_URL: hec.url, VIGIL_SPLUNK_HEC_TOKEN: HEC_TOKEN, VIGIL_LOKI_URL: loki.url };
  // Slow answers keep bulk requests in flight when a deliver node is killed.
  es.delay(100);
  const dirs: string[] = [];
  const replicas: Replica[] = [];
  for (const role of ROLES) {
    for (const side of ['a', 'b']) {
      const dataDir = mkdtempSync(join(tmpdir(), `vigil-replica-${role}-${side}-`));
      dirs.push(dataDir);
      const ports = role === 'ingest'
        ? { VIGIL_HTTP_PORT: String(await freePort()), VIGIL_SYSLOG_TCP_PORT: String(await freePort()), VIGIL_SYSLOG_UDP_PORT: 'off' }
        : { VIGIL_HTTP_PORT: 'off', VIGIL_SYSLOG_TCP_PORT: 'off', VIGIL_SYSLOG_UDP_PORT: 'off' };
      replicas.push({ name: `${role}-${side}`, env: { REDIS_URL: redis.url, ...sinkEnv, VIGIL_ROLE: role, VIGIL_DATA_DIR: dataDir, ...ports } });
    }
  }
  const byName = (name: string) => replicas.find((r) => r.name === name)!;
  const start = async (r: Replica) => (r.vigil = await spawnVigil(r.env, CONFIG));
  const ingestA = byName('ingest-a');
  const ingestB = byName('ingest-b');
  const hooks: WebhookStream[] = [];
  const tcps: TcpStream[] = [];
  try {
    await Promise.all(replicas.map(start));
    // Half the events as webhooks (API-server style: each body re-sent until accepted), half as
    // syslog over TCP; each half split over both ingest nodes.
    const bodies = TOTAL / 2 / PER_BODY / 2;
    const lines = TOTAL / 2 / 2;
    for (const r of [ingestA, ingestB]) {
      hooks.push(new WebhookStream(Number(r.env.VIGIL_HTTP_PORT), `w${r.name}`, { concurrency: 2, path: '/ingest/k8s-audit', body: auditBody, retryUntilAccepted: true, total: bodies }).start());
    }
    const tcpB = new TcpStream(Number(ingestB.env.VIGIL_SYSLOG_TCP_PORT), 'tb', { perTick: 20, total: lines });
    const tcpA = new TcpStream(Number(ingestA.env.VIGIL_SYSLOG_TCP_PORT), 'ta', { perTick: 20, total: lines });
    tcps.push(tcpA, tcpB);

    // Mid-flight: events in every stage. Kill one node of each role, then start each again.
    await waitFor(() => es.allDocuments().length > 5_000, 120_000, 'deliveries under way');
    const since = es.requests.length;
    await waitFor(async () => hooks[0].pending > 0 && es.requests.slice(since).some((r) => r.path.endsWith('/_bulk') && r.status === 0), 30_000, 'a webhook and a bulk request in flight');
    const storedAtKill = markerCounts(es.allDocuments());
    const ackedAtKill = hooks.flatMap((h) => h.acked()).length;
    await Promise.all(['ingest-a', 'process-a', 'deliver-a'].map((name) => byName(name).vigil!.kill()));
    // TCP has no acknowledgement: lines ingest-a read but had not stored yet die with it.
    const tcpSentToKilled = tcpA.sent;
    await tcpA.stop();
    await Promise.all(['ingest-a', 'process-a', 'deliver-a'].map((name) => start(byName(name))));
    const tcpA2 = new TcpStream(Number(ingestA.env.VIGIL_SYSLOG_TCP_PORT), 'ta2', { perTick: 20, total: lines - tcpSentToKilled });
    tcps.push(tcpA2);

    await Promise.all(hooks.map((h) => h.finished()));
    await waitFor(() => tcpB.sent === lines && tcpA2.sent === lines - tcpSentToKilled, 120_000, 'every TCP line written');
    await Promise.all(tcps.map((s) => s.stop()));

    // Acknowledged: every webhook event (each body was re-sent until 2xx) and every line the
    // kernel took for a node that was not killed while holding it.
    const expected = [...hooks.flatMap((h) => h.acked().flatMap((m) => Array.from({ length: PER_BODY }, (_, i) => `${m}.${i}`))), ...tcpB.written, ...tcpA2.written];
    assert.equal(expected.length + tcpSentToKilled, TOTAL, 'the senders sent every event');
    const counts = await assertStoredExactlyOnce(() => markerCounts(es.allDocuments()), expected, { where: 'Elasticsearch', timeoutMs: 180_000 });
    assert.deepEqual([...es.writes].filter(([, n]) => n > 1), [], 'no document written twice under one _id');
    const tcpLost = tcpA.written.filter((m) => !counts.has(m)).length;

    // Splunk HEC, Loki and the file have no _id to deduplicate on: a batch a killed deliver node
    // had sent but not yet marked done is sent again (Loki itself drops an entry identical to one
    // in its stream's head block, as the double does). They are at-least-once: counted, none missing.
    // A HEC event object carries the ECS event in `event`; a Loki line is the ECS event.
    const hecCounts = () => markerCountsOf(hec.events.map((e) => e.event.event as MarkedEvent));
    const lokiCounts = () => markerCountsOf(loki.entries.map((e) => JSON.parse(e.line) as MarkedEvent));
    await waitFor(() => hec.events.length >= expected.length && copies(hecCounts(), expected).missing === 0, 60_000, 'the acknowledged events in Splunk HEC');
    await waitFor(() => loki.entries.length >= expected.length && copies(lokiCounts(), expected).missing === 0, 60_000, 'the acknowledged events in Loki');
    // sinks.file without a path writes <data_dir>/events.ndjson, one per deliver node.
    const fileLines = replicas.filter((r) => r.name.startsWith('deliver')).map((r) => join(r.env.VIGIL_DATA_DIR, 'events.ndjson'))
      .filter((file) => existsSync(file)).flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean));
    const atLeastOnce = {
      'splunk-hec': copies(hecCounts(), expected),
      loki: copies(lokiCounts(), expected),
      file: copies(markerCountsOf(fileLines.map((line) => JSON.parse(line) as MarkedEvent)), expected),
    };
    t.diagnostic(`events: ${TOTAL} sent (${TOTAL / 2} webhook in ${TOTAL / 2 / PER_BODY} bodies, ${TOTAL / 2} TCP), ${expected.length} acknowledged`);
    t.diagnostic(`at the kills: ${ackedAtKill * PER_BODY} webhook events acknowledged, ${storedAtKill.size} in Elasticsearch; webhook re-sends ${hooks.reduce((n, h) => n + h.requests - h.sent, 0)}; Elasticsearch create conflicts (redelivered, deduplicated) ${es.createConflicts.size}`);
    t.diagnostic(`TCP lines written to ingest-a before its SIGKILL: ${tcpSentToKilled}, not stored: ${tcpLost} (syslog over TCP has no acknowledgement)`);
    for (const [sink, { distinct, extra, missing }] of Object.entries(atLeastOnce)) {
      t.diagnostic(`${sink} sink: ${distinct} distinct events, ${extra} extra copies, ${missing} acknowledged events missing`);
      assert.equal(missing, 0, `every acknowledged event reached the ${sink} sink at least once`);
    }
    assert.ok(ackedAtKill > 0 && storedAtKill.size < expected.length, 'the kills came mid-flight');
  } finally {
    await Promise.all([...hooks.map((h) => h.abandon()), ...tcps.map((s) => s.stop())]);
    await Promise.all(replicas.map((r) => r.vigil?.kill()));
    await Promise.all([es.close(), hec.close(), loki.close()]);
    await redis.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
});
