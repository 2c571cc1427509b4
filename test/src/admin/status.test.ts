import { test } from 'node:test';
import { filterSchema } from '../../../src/config/sink-filter.ts';
import assert from 'node:assert/strict';
import { encodeSinkBatch } from '../../../src/pipeline/codec.ts';
import type { SinkEvent } from '../../../src/sinks/kit/types.ts';
import { createAdminApp } from '../../../src/admin/admin.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { RecentEvents } from '../../../src/admin/status-recent.ts';
import { StatusSampler } from '../../../src/admin/status-state.ts';
import { NoTestTargetError } from '../../../src/admin/status-test-events.ts';

const TOKEN = 'admin-0123456789abcdef';

function event(id: string, dataset: string, extra: Record<string, unknown> = {}): SinkEvent {
  const ecs = { '@timestamp': '2026-01-01T00:00:00Z', event: { id, dataset, module: dataset.split('.')[0] }, log: { level: 'warning', source: { address: '10.1.2.3:514' } }, ...extra };
  return { id, timestamp: ecs['@timestamp'], dataset, module: ecs.event.module, level: 'warning', json: JSON.stringify(ecs) };
}

test('recent events: bounded per dataset, in datasets and in batches held; filters by dataset, module, severity and source prefix', async () => {
  const recent = new RecentEvents({ perDataset: 3, maxDatasets: 2, pendingBatches: 2 });
  recent.add(encodeSinkBatch([event('old', 'a.x')])); // pushed out by the two later batches, never decoded
  recent.add(encodeSinkBatch(Array.from({ length: 5 }, (_, i) => event(`a${i}`, 'a.x'))));
  recent.add(encodeSinkBatch([event('b0', 'b.y'), event('c0', 'c.z')]));
  const all = await recent.latest();
  assert.deepEqual(Object.keys(all), ['a.x', 'b.y'], 'a third dataset is not kept');
  assert.deepEqual(all['a.x'].map((e) => e.id), ['a4', 'a3', 'a2'], 'the newest 3, newest first');
  assert.equal(all['a.x'][0].source, '10.1.2.3:514');
  assert.deepEqual(Object.keys(await recent.latest({ module: 'b' })), ['b.y']);
  assert.deepEqual(Object.keys(await recent.latest({ source: '10.1.2.' })), ['a.x', 'b.y']);
  assert.deepEqual(await recent.latest({ source: '10.9.' }), {});
  assert.deepEqual(await recent.latest({ severity: 'info' }), {});
});

test('recent events: the size of held batches and kept events is bounded; the largest dataset gives way first', async () => {
  const big = (id: string, dataset: string) => event(id, dataset, { message: 'x'.repeat(10_000) });
  const recent = new RecentEvents({ keptChars: 50_000 });
  recent.add(encodeSinkBatch([event('small', 'small.one')]));
  recent.add(encodeSinkBatch(Array.from({ length: 10 }, (_, i) => big(`big${i}`, 'big.one'))));
  const kept = await recent.latest();
  assert.deepEqual(kept['small.one'].map((e) => e.id), ['small']);
  assert.deepEqual(kept['big.one'].map((e) => e.id), ['big9', 'big8', 'big7', 'big6'], 'the newest that fit in 50 000 characters');

  const held = new RecentEvents({ pendingChars: 1 });
  held.add(encodeSinkBatch([event('first', 'a.x')]));
  held.add(encodeSinkBatch([event('second', 'a.x')]));
  assert.deepEqual((await held.latest())['a.x'].map((e) => e.id), ['second'], 'only the newest batch is held past the size limit');
});

test('sink health from the counters: down while retries grow and nothing is accepted, up again, halted from the gauge', async () => {
  const metrics = new Metrics();
  metrics.initSink('es');
  const sampler = new StatusSampler(metrics, { role: 'all' });
  const health = async () => (await sampler.snapshot()).sinks[0];
  await sampler.sample();
  assert.equal((await health()).health, 'up');
  metrics.retried.inc({ sink: 'es', reason: 'network' }, 5);
  await sampler.sample();
  assert.equal((await health()).health, 'down');
  assert.match((await health()).detail, /network/);
  await sampler.sample(); // nothing sent since: stays down
  assert.equal((await health()).health, 'down');
  metrics.forwarded.inc({ sink: 'es' }, 5);
  await sampler.sample();
  assert.equal((await health()).health, 'up');
  metrics.sinkHalted.set({ sink: 'es' }, 1);
  assert.equal((await health()).health, 'halted');
});

test('status routes: the admin token (header or query), escaped events, a strict CSP, test sends limited', async () => {
  // soc takes critical events only: a warning is not queued for it, so its sink filter shows none.
  const recent = new RecentEvents({ sinks: [{ name: 'file' }, { name: 'soc', filter: filterSchema.parse({ min_severity: 'critical' }) }] });
  recent.add(encodeSinkBatch([event('x1', 'syslog.message', { message: '<script>alert(1)</script>"><img src=x onerror=alert(2)>' })]));
  let sends = 0;
  const app = createAdminApp({
    metrics: new Metrics(), ready: () => true, token: TOKEN, logger: silentLogger,
    status: {
      sampler: new StatusSampler(new Metrics(), { role: 'all' }), recent, testEventsIntervalMs: 60_000,
      sendTestEvents: async () => {
        sends++;
        return { via: 'tcp', sent: [{ type: 'violation', id: 'id-1' }] };
      },
    },
  });
  assert.equal((await app.inject({ url: '/status' })).statusCode, 401);
  assert.equal((await app.inject({ url: '/status.json?token=nope' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/status/test-events' })).statusCode, 401);
  assert.equal(sends, 0);
  assert.equal((await app.inject({ url: '/status.json', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);

  const page = await app.inject({ url: `/status?token=${TOKEN}` });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'nonce-[^']+'/);
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  assert.ok(!page.body.includes('<script>alert'), 'the event script tag is not markup');
  assert.ok(!page.body.includes('<img src=x'), 'the event img tag is not markup');
  assert.ok(page.body.includes('&#60;script&#62;alert(1)&#60;/script&#62;'), 'it shows as text');

  const json = (await app.inject({ url: `/status.json?token=${TOKEN}&dataset=syslog.message` })).json();
  assert.deepEqual(Object.keys(json.events), ['syslog.message']);
  // The sink filter, as tap's: events show only for a sink they are queued for.
  const forSink = async (sink: string) => (await app.inject({ url: `/status.json?token=${TOKEN}&sink=${sink}` })).json().events;
  assert.deepEqual(Object.keys(await forSink('file')), ['syslog.message']);
  assert.deepEqual(await forSink('loki'), {});
  assert.deepEqual(await forSink('soc'), {}, 'a sink whose filter leaves the event out');
  assert.equal((await app.inject({ url: `/status.json?token=${TOKEN}&events=0` })).json().events, undefined, 'vigil top asks for the counters only');

  const send = () => app.inject({ method: 'POST', url: '/status/test-events', headers: { authorization: `Bearer ${TOKEN}`, 'x-vigil-test-events': '1' } });
  const crossSite = await app.inject({ method: 'POST', url: '/status/test-events', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(crossSite.statusCode, 403, 'a form post from another site (no custom header) is refused');
  assert.deepEqual((await send()).json(), { via: 'tcp', sent: [{ type: 'violation', id: 'id-1' }] });
  assert.equal((await send()).statusCode, 429, 'a second click within the interval is refused');
  assert.equal(sends, 1);
  await app.close();

  const open = createAdminApp({
    metrics: new Metrics(), ready: () => true, logger: silentLogger,
    status: { sampler: new StatusSampler(new Metrics(), { role: 'ingest' }), sendTestEvents: async () => { throw new NoTestTargetError('no listener'); } },
  });
  const noEvents = await open.inject({ url: '/status' });
  assert.equal(noEvents.statusCode, 200, 'no token configured: open, as /metrics is');
  assert.match(noEvents.body, /does not run the process stage/);
  assert.equal((await open.inject({ method: 'POST', url: '/status/test-events' })).statusCode, 403);
  assert.equal((await open.inject({ method: 'POST', url: '/status/test-events', headers: { 'x-vigil-test-events': '1' } })).statusCode, 409);
  await open.close();
});
