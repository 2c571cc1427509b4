import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { listNodes, NodeHeartbeat, type NodeIdentity } from '../../../src/admin/node-registry.ts';
import { nodesKey } from '../../../src/pipeline/queues.ts';
import { sinkSetProblems } from '../../../src/admin/node-guards.ts';
import { testRedisPerFile } from '../../support/redis.ts';

const testRedis = testRedisPerFile();

const identity = (id: string, role: string, sinks: string[]): NodeIdentity => ({
  id, role, version: '1.2.3', host: 'host-a', pid: 100, admin: null, sinks, fingerprint: 'f', startedAt: 1,
});

function heartbeat(prefix: string, node: NodeIdentity, intervalMs = 5_000): NodeHeartbeat {
  return new NodeHeartbeat(testRedis.client, { prefix, identity: node, intervalMs, status: async () => undefined, logger: silentLogger });
}

test('registered nodes are listed with Redis\'s heartbeat time; a graceful stop removes the entry', async () => {
  const a = heartbeat('t1', identity('a', 'ingest', ['elasticsearch']));
  const b = heartbeat('t1', identity('b', 'deliver', ['elasticsearch']));
  await a.beat();
  const seen = await b.beat();
  assert.deepEqual(seen.map((n) => n.id), ['b', 'a'], 'sorted by role: deliver before ingest');
  const [time] = await testRedis.client.time();
  for (const node of seen) {
    assert.ok(Math.abs(node.heartbeatAt - Number(time) * 1000) < 5_000, 'heartbeatAt is Redis\'s clock');
    assert.equal(node.intervalMs, 5_000);
    assert.ok(node.heartbeatAgeMs >= 0 && node.heartbeatAgeMs < 5_000);
    assert.equal(node.status, null);
  }
  assert.deepEqual((await listNodes(testRedis.client, 't1')).map((n) => n.id), ['b', 'a']);
  assert.deepEqual(await a.beat(false), [], 'a steady heartbeat reads no records back');
  await a.stop();
  assert.deepEqual((await listNodes(testRedis.client, 't1')).map((n) => n.id), ['b']);
  assert.deepEqual(await listNodes(testRedis.client, 'other-prefix'), [], 'another deployment\'s prefix sees none of them');
});

test('an entry without a heartbeat for 3 intervals is ignored and removed; one within them is kept', async () => {
  const key = nodesKey('t2');
  const [seconds] = await testRedis.client.time();
  const now = Number(seconds) * 1000;
  const record = (id: string) => JSON.stringify({ ...identity(id, 'process', []), id: undefined, status: null });
  await testRedis.client.hset(key, 'n:old', record('old'), 't:old', `${now - 3_500} 1000`, 'n:recent', record('recent'), 't:recent', `${now - 2_000} 1000`);
  await testRedis.client.hset(key, 't:orphan', `${now} 1000`, 'n:broken', 'not json', 't:broken', `${now} 1000`);
  const live = await listNodes(testRedis.client, 't2');
  assert.deepEqual(live.map((n) => n.id), ['recent'], 'stale and non-JSON entries are not nodes');
  assert.ok(live[0].heartbeatAgeMs >= 2_000, 'the age is measured on Redis\'s clock');
  assert.deepEqual((await testRedis.client.hkeys(key)).sort(), ['n:broken', 'n:recent', 't:broken', 't:recent'], 'the stale node and the orphan beat are pruned');
});

test('the heartbeat carries the status snapshot', async () => {
  const status = { node: { host: 'h', pid: 1, role: 'all', uptimeSeconds: 3 }, listeners: [], formats: [], sinks: [], queues: [{ queue: 'ingest', jobs: 7 }], rateWindowSeconds: 2 };
  const beat = new NodeHeartbeat(testRedis.client, { prefix: 't3', identity: identity('s', 'all', []), intervalMs: 1_000, status: async () => status, logger: silentLogger });
  await beat.beat();
  const [node] = await listNodes(testRedis.client, 't3');
  assert.deepEqual(node.status, status, 'empty arrays stay arrays');
});

test('sink set differences name the node and the missing and extra sinks', () => {
  const others = [
    { ...identity('x1', 'deliver', ['elasticsearch', 'loki']), heartbeatAt: 0, intervalMs: 1, heartbeatAgeMs: 0, status: null },
    { ...identity('x2', 'process', ['elasticsearch', 'splunk_hec']), heartbeatAt: 0, intervalMs: 1, heartbeatAgeMs: 0, status: null },
  ];
  assert.deepEqual(sinkSetProblems({ id: 'me', sinks: ['elasticsearch', 'splunk_hec'] }, others), [
    'sink set differs from node x1 (deliver@host-a:100): missing loki, extra splunk_hec',
  ]);
  assert.deepEqual(sinkSetProblems({ id: 'x1', sinks: ['elasticsearch', 'loki'] }, others.slice(0, 1)), [], 'a node is not compared with itself');
});
