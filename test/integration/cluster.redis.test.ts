import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { startRedisCluster, type RedisCluster } from '../support/redis-ha.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { waitFor } from '../support/memory-sink.ts';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { SplunkHecDouble } from '../support/doubles/splunk-hec.ts';
import { LokiDouble } from '../support/doubles/loki.ts';
import { fixture, post, sendOneOfEach } from '../support/senders.ts';
import { TcpStream, WebhookStream, markerCounts, assertStoredExactlyOnce } from '../support/streams.ts';

// Short job locks so the jobs of a killed vigil are taken over within seconds; fast retries.
const config = (prefix: string) => `
redis:
  prefix: ${prefix}
jobs:
  lock_ms: 2000
  stalled_check_ms: 500
delivery:
  initial_backoff_ms: 50
  max_backoff_ms: 300
  max_attempts: 1000
`;

// One cluster of three masters with a replica each for every test, each under its own key prefix.
let cluster: RedisCluster;
before(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1 });
});
after(() => cluster.destroy());

/** Every key under `prefix` on every master, with the master's port. */
async function keysByNode(prefix: string): Promise<Array<{ port: number; key: string }>> {
  const found: Array<{ port: number; key: string }> = [];
  for (const node of cluster.nodes) {
    const port = Number(node.split(':')[1]);
    if (!/role:master/.test((await cluster.ask(port, (c) => c.info('replication'))) ?? '')) continue;
    const keys = (await cluster.ask(port, (c) => c.keys(`${prefix}:*`))) ?? [];
    found.push(...keys.map((key) => ({ port, key })));
  }
  return found;
}

async function scrape(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The event ids of ECS events as a sink stored them, sorted. */
const idsOf = (events: Array<{ event?: { id?: string } }>) => events.map((e) => e.event?.id ?? '').sort();

test('on a three-master Redis Cluster, all sinks on: every input end to end into Elasticsearch, Splunk HEC, Loki and the file, redeliveries dropped, dead letters kept, each queue in one hash slot', async () => {
  const es = await ElasticsearchDouble.start({ major: 8 });
  es.failItems((doc) => doc.source.includes('dead-letter-me'), 400);
  const hec = await SplunkHecDouble.start({ token: 'hec-token-cluster' });
  const loki = await LokiDouble.start({ authEnabled: false });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cluster-'));
  const out = join(dataDir, 'out', 'events.ndjson');
  const vigil = await spawnVigil({
    REDIS_CLUSTER: cluster.nodes.join(','), VIGIL_ES_URL: es.url, VIGIL_FILE_PATH: out, VIGIL_DATA_DIR: dataDir,
    VIGIL_SPLUNK_HEC_URL: hec.url, VIGIL_SPLUNK_HEC_TOKEN: 'hec-token-cluster', VIGIL_LOKI_URL: loki.url,
  }, config('e2e'));
  const fileEvents = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event?: { id?: string } }) : []);
  const lines = () => fileEvents().length;
  // A HEC event object carries the ECS event in `event`; a Loki line is the ECS event.
  const hecEvents = () => hec.events.map((e) => e.event.event as { event?: { id?: string } });
  const lokiEvents = () => loki.entries.map((e) => JSON.parse(e.line) as { event?: { id?: string } });
  try {
    const sent = await sendOneOfEach(vigil, '{"message":"dead-letter-me"}');
    // The API server sends the same EventList again: its two items are copies (the {seen} claims).
    const again = await post(vigil.port('http'), '/ingest/k8s-audit', fixture('k8s-audit/eventlist-secret-get-forbidden.json'), 'application/json');
    assert.equal(again.status, 200);

    await waitFor(() => lines() >= sent, 30_000, `${sent} events in the file`);
    await waitFor(async () => (await scrape(vigil.port('admin'), 'vigil_dlq_depth_events')) === 1, 30_000, 'the refused event dead-lettered');
    await waitFor(() => es.allDocuments().length >= sent - 1, 30_000, `${sent - 1} events in Elasticsearch`);
    await waitFor(() => hec.events.length >= sent && loki.entries.length >= sent, 30_000, `${sent} events in Splunk HEC and Loki`);
    await sleep(500); // a copy let through would show up now
    assert.equal(lines(), sent, 'every event once in the file, the re-sent EventList not again');
    assert.equal(es.allDocuments().length, sent - 1, 'every event but the refused one in Elasticsearch');
    // The same events everywhere, each once: the file's, and Elasticsearch's plus the refused one.
    const inFile = idsOf(fileEvents());
    assert.equal(new Set(inFile).size, sent, 'every input in the file under its own id');
    assert.deepEqual(idsOf(hecEvents()), inFile, 'every input once in Splunk HEC');
    assert.deepEqual(idsOf(lokiEvents()), inFile, 'every input once in Loki');
    const inEs = idsOf(es.allDocuments().map((d) => JSON.parse(d.source) as { event?: { id?: string } }));
    assert.equal(inFile.filter((id) => !inEs.includes(id)).length, 1, 'every input but the refused one in Elasticsearch');
    assert.equal(await scrape(vigil.port('admin'), 'vigil_events_redelivered_total'), 2, 'the two re-sent audit items dropped as copies');

    // Every key of a queue shares its {hash tag}; the queues spread over the masters by sink.
    // Outside a tag only keys no script or queue shares with another: the node registry's hash,
    // the tap's listener count and a stored batch not yet released, each one key.
    const keys = await keysByNode('e2e');
    const untagged = keys.filter(({ key }) => !/^e2e:\{[^}]+\}/.test(key)).map(({ key }) => key);
    assert.deepEqual(untagged.filter((key) => !['e2e:nodes', 'e2e:tap:listening'].includes(key) && !key.startsWith('e2e:batch:')), [],
      'no other key outside a hash tag');
    const nodeOf = new Map<string, Set<number>>();
    for (const { port, key } of keys.filter(({ key }) => !untagged.includes(key))) {
      const tag = /^e2e:(\{[^}]+\})/.exec(key)![1];
      nodeOf.set(tag, (nodeOf.get(tag) ?? new Set()).add(port));
    }
    for (const tag of ['{ingest}', '{sink-elasticsearch}', '{sink-splunk-hec}', '{sink-loki}', '{sink-file}', '{seen}', '{dlq:elasticsearch}']) {
      assert.equal(nodeOf.get(tag)?.size, 1, `the keys of ${tag} on one master`);
    }
    console.log(`# masters per tag: ${[...nodeOf].map(([tag, ports]) => `${tag} :${[...ports][0]}`).join(', ')}`);
    assert.ok(new Set([...nodeOf.values()].map((ports) => [...ports][0])).size > 1, 'the queues spread over more than one master');
  } finally {
    assert.equal(await vigil.stop(), 0);
    await Promise.all([es.close(), hec.close(), loki.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('on a Redis Cluster, kill -9 of vigil mid-delivery and a restart: every acknowledged event in Elasticsearch once, none twice', async () => {
  const es = await ElasticsearchDouble.start({ major: 8 });
  const httpPort = await freePort();
  const env = { REDIS_CLUSTER: cluster.nodes.join(','), VIGIL_ES_URL: es.url, VIGIL_HTTP_PORT: String(httpPort) };
  // Slow answers keep bulk requests in flight when vigil dies (stored, not yet answered).
  es.delay(150);
  let vigil: SpawnedVigil | undefined = await spawnVigil(env, config('crash'));
  const first = new WebhookStream(httpPort, 'w0').start();
  const firstTcp = new TcpStream(vigil.port('tcp'), 't0', { perTick: 2 });
  const streams = [first];
  const tcps = [firstTcp];
  try {
    await waitFor(() => es.allDocuments().length > 50, 20_000, 'deliveries');
    const since = es.requests.length;
    await waitFor(() => es.requests.slice(since).some((r) => r.path.endsWith('/_bulk') && r.status === 0), 15_000, 'a bulk request in flight');
    await vigil.kill();
    const stored = markerCounts(es.allDocuments());
    const ackedNotStored = first.acked().filter((m) => !stored.has(m)).length;
    await Promise.all([first.stop(), firstTcp.stop()]);

    vigil = await spawnVigil({ ...env, VIGIL_DATA_DIR: vigil.dataDir }, config('crash'));
    es.delay(0);
    const last = new WebhookStream(httpPort, 'w1').start();
    const lastTcp = new TcpStream(vigil.port('tcp'), 't1', { perTick: 2 });
    streams.push(last);
    tcps.push(lastTcp);
    await sleep(1000);
    await Promise.all([last.stop(), lastTcp.stop()]);

    const expected = [...streams.flatMap((s) => s.acked()), ...lastTcp.written];
    await assertStoredExactlyOnce(() => markerCounts(es.allDocuments()), expected, { where: 'Elasticsearch', timeoutMs: 60_000 });
    assert.ok(ackedNotStored > 0, 'the kill interrupted acknowledged events on their way');
  } finally {
    await Promise.all([...streams.map((s) => s.abandon()), ...tcps.map((t) => t.stop())]);
    if (vigil) assert.equal(await vigil.stop(), 0);
    await es.close();
  }
});

// The last two each kill a replica of the shared cluster: first that of the file sink queue's
// master, then that of the ingest queue's (another master: the file sink's check asserts it).
test('on a Redis Cluster, min_replicas_ack also waits for the replicas of the stored batch and its sink jobs: with the file sink queue\'s master unreplicated, the raw batch is kept and the shortfall counted', async () => {
  const vigil = await spawnVigil({ REDIS_CLUSTER: cluster.nodes.join(','), REDIS_MIN_REPLICAS_ACK: '1', VIGIL_REDIS_MIN_REPLICAS_TIMEOUT_MS: '300' }, config('sinkwait'));
  try {
    const ingest = await cluster.holders('sinkwait:{ingest}:id');
    const fileSink = await cluster.holders('sinkwait:{sink-file}:id');
    assert.notEqual(fileSink.master, ingest.master, 'the file sink queue lives on another master than the ingest queue');
    const send = async (message: string) => (await post(vigil.port('http'), '/ingest/json', JSON.stringify({ message }), 'application/json')).status;
    const written = () => { const file = join(vigil.dataDir, 'out', 'events.ndjson'); return existsSync(file) ? readFileSync(file, 'utf8') : ''; };
    const rawJobs = async () => Number(await cluster.ask(ingest.master, async (c) =>
      (await c.zcard('sinkwait:{ingest}:delayed')) + (await c.llen('sinkwait:{ingest}:wait')) + (await c.llen('sinkwait:{ingest}:active'))));
    const shortfalls = () => scrape(vigil.port('admin'), 'vigil_redis_replica_ack_shortfalls_total');

    assert.equal(await send('m:first'), 200);
    await waitFor(() => written().includes('m:first'), 20_000, 'the first event in the file');
    await waitFor(async () => (await rawJobs()) === 0, 10_000, 'its raw batch processed and removed');
    assert.equal(await shortfalls(), 0);

    // The ingest queue's master keeps its replica: the webhook is still acknowledged, but what the
    // process stage wrote on the sink queue's master cannot be confirmed, so its raw batch stays.
    await cluster.kill(fileSink.replicas[0]!);
    assert.equal(await send('m:second'), 200, 'stored and confirmed on the ingest queue\'s master');
    await waitFor(async () => (await shortfalls()) >= 1, 20_000, 'the process stage to count the unconfirmed sink batch');
    assert.ok(await rawJobs() >= 1, 'the raw batch kept, to be processed again');
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});

test('on a Redis Cluster, min_replicas_ack waits for the replica of the master holding the ingest queue: without it, webhooks answer 503 and the shortfall is counted', async () => {
  const vigil = await spawnVigil({ REDIS_CLUSTER: cluster.nodes.join(','), REDIS_MIN_REPLICAS_ACK: '1', VIGIL_REDIS_MIN_REPLICAS_TIMEOUT_MS: '300' }, config('wait'));
  try {
    const send = async () => (await post(vigil.port('http'), '/ingest/json', '{"message":"m"}', 'application/json')).status;
    assert.equal(await send(), 200, 'stored and confirmed by the replica');
    assert.equal(await scrape(vigil.port('admin'), 'vigil_redis_replica_ack_shortfalls_total'), 0);

    // WAIT sent to any other master (each has its replica) would still answer 1.
    const { replicas } = await cluster.holders('wait:{ingest}:id');
    assert.equal(replicas.length, 1);
    await cluster.kill(replicas[0]);
    assert.equal(await send(), 503, 'not confirmed: not acknowledged');
    assert.ok(await scrape(vigil.port('admin'), 'vigil_redis_replica_ack_shortfalls_total') >= 1, 'the shortfall counted');
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});
