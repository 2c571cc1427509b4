import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { startTestRedis } from '../support/redis.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from '../support/memory-sink.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { TcpStream, WebhookStream, duplicates, markerCounts, assertStoredExactlyOnce } from '../support/streams.ts';

// Small batches so many jobs are in every stage at once; short job locks so the jobs of a killed
// vigil are taken over by the next one within seconds (production: 30 s); fast retries.
const CONFIG = `
jobs:
  lock_ms: 2000
  stalled_check_ms: 500
batch:
  max_events: 20
delivery:
  initial_backoff_ms: 50
  max_backoff_ms: 300
  max_attempts: 1000
`;

/** A Kubernetes audit EventList of one event whose identity (auditID + stage) comes from the marker. */
const auditEventList = (marker: string): string => JSON.stringify({
  kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {},
  items: [{
    level: 'Metadata', auditID: `audit-${marker.slice(2)}`, stage: 'ResponseComplete', verb: 'list',
    requestURI: '/api/v1/namespaces/default/pods', user: { username: marker },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z',
  }],
});

/** Lock values (worker tokens) of the jobs a queue's workers hold right now. */
async function locks(client: Redis, queue: string): Promise<string[]> {
  const keys = await client.keys(`vigil:${queue}:*:lock`);
  return keys.length ? ((await client.mget(...keys)).filter(Boolean) as string[]) : [];
}

/** Whether a worker of the running vigil (not a killed one, whose locks linger until they expire) holds a job of this queue. */
async function held(client: Redis, queue: string, dead: Set<string>): Promise<boolean> {
  return (await locks(client, queue)).some((token) => !dead.has(token));
}

test('kill -9 of vigil during ingest, processing and delivery, then restart: every acknowledged event in Elasticsearch once, none twice, also when the sender re-sends', async () => {
  const redis = await startTestRedis();
  const client = redis.client();
  const es = await ElasticsearchDouble.start({ major: 8 });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
  // One HTTP port for every life, so a sender that retries until accepted finds the next vigil.
  const httpPort = await freePort();
  const env = { REDIS_URL: redis.url, VIGIL_ES_URL: es.url, VIGIL_DATA_DIR: dataDir, VIGIL_HTTP_PORT: String(httpPort) };
  // Slow answers keep bulk requests in flight (stored, not yet answered: the redelivery case),
  // and a quarter of the documents fail with 503 until the end, so retries wait in the queue.
  es.delay(150);
  es.failItems((doc) => parseInt(doc.id.slice(0, 2), 16) % 4 === 0, 503);
  // A Kubernetes API server: re-sends each EventList until it gets 2xx, across the kills.
  const audit = new WebhookStream(httpPort, 'k', { concurrency: 2, path: '/ingest/k8s-audit', body: auditEventList, retryUntilAccepted: true });
  const hooks: WebhookStream[] = [];
  const tcps: TcpStream[] = [];
  const ackedNotStoredAtKill: number[] = [];
  let last: SpawnedVigil | undefined;
  // A bulk request of this life that Elasticsearch has not answered yet (its documents are stored).
  const bulkInFlight = (since: number) => es.requests.slice(since).some((r) => r.path.endsWith('/_bulk') && r.status === 0);
  const killPoints: Array<{ stage: string; reached: (stream: WebhookStream, dead: Set<string>, since: number) => Promise<boolean> }> = [
    { stage: 'ingest', reached: async (stream) => stream.pending > 0 },
    { stage: 'processing', reached: (_, dead) => held(client, 'ingest', dead) },
    { stage: 'delivery', reached: async (_, dead, since) => bulkInFlight(since) && (await held(client, 'sink-elasticsearch', dead)) },
  ];
  try {
    for (const [life, point] of killPoints.entries()) {
      const dead = new Set([...(await locks(client, 'ingest')), ...(await locks(client, 'sink-elasticsearch'))]);
      const vigil = (last = await spawnVigil(env, CONFIG));
      if (life === 0) audit.start();
      const stream = new WebhookStream(httpPort, `w${life}`).start();
      const tcp = new TcpStream(vigil.port('tcp'), `t${life}`, { perTick: 2 });
      hooks.push(stream);
      tcps.push(tcp);
      // Every life gets as far as delivering before it is killed, so every stage has work in it.
      const since = es.requests.length;
      const storedBefore = es.allDocuments().length;
      await waitFor(() => es.allDocuments().length > storedBefore + 20, 15_000, 'deliveries of this life');
      await waitFor(() => point.reached(stream, dead, since), 15_000, `a moment to kill vigil during ${point.stage}`);
      await vigil.kill();
      last = undefined;
      const stored = markerCounts(es.allDocuments());
      ackedNotStoredAtKill.push(stream.acked().filter((m) => !stored.has(m)).length);
      await Promise.all([stream.stop(), tcp.stop()]);
    }

    // The last life runs to the end: backend healthy again, a final stream, a graceful stop.
    const vigil = (last = await spawnVigil(env, CONFIG));
    es.clearItemFaults();
    es.delay(0);
    const stream = new WebhookStream(httpPort, 'w-last').start();
    const tcp = new TcpStream(vigil.port('tcp'), 't-last', { perTick: 2 });
    hooks.push(stream);
    tcps.push(tcp);
    await sleep(1000);
    await Promise.all([stream.stop(), tcp.stop(), audit.stop()]);

    assert.deepEqual(audit.unacked(), [], 'the audit sender got every EventList accepted in the end');
    const acked = [...hooks, audit].flatMap((h) => h.acked());
    const expected = [...acked, ...tcp.written];
    await assertStoredExactlyOnce(() => markerCounts(es.allDocuments()), expected, { where: 'Elasticsearch', timeoutMs: 60_000 });
    assert.equal(await vigil.stop(), 0);
    last = undefined;
    assert.deepEqual(duplicates(markerCounts(es.allDocuments())), [], 'nothing stored twice by the stop either');
    assert.deepEqual([...es.writes].filter(([, n]) => n > 1), [], 'no document written twice under one _id');
    // The kills really interrupted work: acknowledged events were still on their way, and
    // batches Elasticsearch had stored without vigil hearing back were sent again (409 on create).
    assert.ok(ackedNotStoredAtKill.every((n) => n > 0), `acknowledged but not yet in Elasticsearch at each kill: ${ackedNotStoredAtKill.join(', ')}`);
    assert.ok(es.createConflicts.size > 0, 'some batches were redelivered after a kill');
    assert.ok(tcps.some((t) => t.written.length > 0));
    assert.ok(audit.requests > audit.statuses.size, 'the audit sender had to re-send EventLists across the kills');
  } finally {
    await last?.kill();
    await Promise.all([...hooks.map((h) => h.stop()), ...tcps.map((t) => t.stop()), audit.abandon()]);
    await es.close();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM mid-stream: vigil finishes the batches in flight and exits 0; after a restart every acknowledged event is in Elasticsearch once', async () => {
  const redis = await startTestRedis();
  const client = redis.client();
  const es = await ElasticsearchDouble.start({ major: 8 });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-drain-'));
  const env = { REDIS_URL: redis.url, VIGIL_ES_URL: es.url, VIGIL_DATA_DIR: dataDir };
  es.delay(150);
  let vigil: SpawnedVigil | undefined = await spawnVigil(env, CONFIG);
  const stream = new WebhookStream(vigil.port('http'), 'w').start();
  const tcp = new TcpStream(vigil.port('tcp'), 't', { perTick: 2 });
  try {
    await waitFor(() => es.allDocuments().length > 50, 15_000, 'deliveries');
    const since = es.requests.length;
    await waitFor(() => es.requests.slice(since).some((r) => r.path.endsWith('/_bulk') && r.status === 0), 15_000, 'a bulk request in flight');
    assert.equal(await vigil.stop(), 0, 'SIGTERM exits 0');
    vigil = undefined;
    // Workers finished what they held: nothing is left for the stalled-job check to find.
    assert.equal(await client.llen('vigil:ingest:active'), 0, 'no raw batch left active');
    assert.equal(await client.llen('vigil:sink-elasticsearch:active'), 0, 'no delivery left active');
    await Promise.all([stream.stop(), tcp.stop()]);
    assert.ok(stream.pending === 0 && stream.acked().length > 0);

    es.delay(0);
    vigil = await spawnVigil(env, CONFIG);
    const acked = stream.acked();
    await assertStoredExactlyOnce(() => markerCounts(es.allDocuments()), acked, { where: 'Elasticsearch', timeoutMs: 30_000 });
    assert.deepEqual([...es.writes].filter(([, n]) => n > 1), [], 'no document written twice under one _id');
    assert.equal(await vigil.stop(), 0);
    vigil = undefined;
  } finally {
    await vigil?.kill();
    await Promise.all([stream.stop(), tcp.stop()]);
    await es.close();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
