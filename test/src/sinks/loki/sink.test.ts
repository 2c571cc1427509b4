import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import type { Outcome, Sink, SinkEvent } from '../../../../src/sinks/kit/types.ts';
import { loki as lokiFactory } from '../../../../src/sinks/loki/index.ts';
import type { RecordedRequest } from '../../../support/doubles/http-double.ts';
import { LokiDouble } from '../../../support/doubles/loki.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';
import { decodeSinkBatch, encodeSinkBatch } from '../../../../src/pipeline/codec.ts';

const TENANT = 'team-sec';
const sinks: Sink[] = [];
let loki: LokiDouble;

function sinkFor(double: LokiDouble, overrides: Record<string, unknown> = {}): Sink {
  const sink = lokiFactory.create(lokiFactory.schema.parse({ url: double.url, tenant: TENANT, ...overrides }), { logger: silentLogger, dataDir: '' });
  sinks.push(sink);
  return sink;
}

function kinds(outcomes: Outcome[]): string[] {
  return outcomes.map((outcome) => (outcome.kind === 'ok' ? 'ok' : `${outcome.kind}:${outcome.reason}`));
}

/** Events that all land in one stream. */
function sameStream(count: number, seed = 1): SinkEvent[] {
  return generatedEvents(count, { seed }).map((event) => ({ ...event, dataset: 'falco.alerts', module: 'falco', level: 'warning', namespace: 'payments' }));
}

/** The event_id metadata of every entry of a recorded push. */
function idsIn(request: RecordedRequest): string[] {
  const body = JSON.parse(request.body) as { streams: Array<{ values: Array<[string, string, { event_id: string }]> }> };
  return body.streams.flatMap((stream) => stream.values.map((value) => value[2].event_id));
}

function storedIds(double: LokiDouble): string[] {
  return double.entries.map((entry) => entry.metadata?.event_id ?? '');
}

before(async () => {
  loki = await LokiDouble.start();
});
beforeEach(() => {
  loki.reset();
  loki.forgetEntries();
  loki.clearEntryFaults();
  loki.blockIngestion(false);
});
after(async () => {
  await Promise.all(sinks.map((sink) => sink.close?.()));
  await loki.close();
});

test('pushes JSON for the tenant: each event once, its JSON as the line, ns timestamp, id as metadata', async () => {
  const events = fixtureEvents();
  assert.deepEqual(kinds(await sinkFor(loki).send(events)), events.map(() => 'ok'));
  // One push per stream: Loki's answer describes one stream only.
  const streams = new Set(events.map((event) => `${event.module}/${event.dataset}/${event.level}/${event.cluster}/${event.namespace}`)).size;
  assert.deepEqual(loki.requests.map((r) => `${r.method} ${r.path} ${r.status}`), Array.from({ length: streams }, () => 'POST /loki/api/v1/push 204'));
  assert.equal(loki.requests[0]!.headers['content-type'], 'application/json');
  assert.equal(loki.requests[0]!.headers['x-scope-orgid'], TENANT);
  const byId = new Map(loki.entries.map((entry) => [entry.metadata?.event_id, entry]));
  assert.equal(byId.size, events.length);
  for (const event of events) {
    const entry = byId.get(event.id)!;
    assert.equal(entry.tenant, TENANT);
    assert.equal(entry.line, event.json);
    assert.equal(entry.labels.dataset, event.dataset);
  }
  assert.equal(byId.get(events[0]!.id)!.timestamp, '1741944413589793238');
});

test('sends each stream\'s entries oldest first even when the batch is newest first', async () => {
  const events = sameStream(5, 3).reverse();
  assert.deepEqual(kinds(await sinkFor(loki).send(events)), events.map(() => 'ok'));
  const times = loki.entries.map((entry) => BigInt(entry.timestamp));
  assert.deepEqual([...times].sort((a, b) => (a < b ? -1 : 1)), times);
});

test('dead-letters only the entries Loki refuses and keeps the ones it stored', async () => {
  const events = sameStream(4, 4);
  loki.rejectEntries((entry) => entry.metadata?.event_id === events[2]!.id);
  const outcomes = await sinkFor(loki).send(events);
  assert.deepEqual(kinds(outcomes), ['ok', 'ok', 'dead:rejected', 'ok']);
  assert.match((outcomes[2] as { detail: string }).detail, /too far behind/);
  assert.deepEqual(storedIds(loki), [0, 1, 3].map((i) => events[i]!.id));
  assert.deepEqual(loki.requests.map((r) => r.status), [400]);
});

test('dead-letters exactly the entries Loki refused in a batch of several streams, stores every other entry once, and sends each once', async () => {
  const events = generatedEvents(12, { seed: 5 });
  const refused = new Set([events[1]!.id, events[4]!.id, events[10]!.id]);
  loki.rejectEntries((entry) => refused.has(entry.metadata?.event_id ?? ''));
  const outcomes = await sinkFor(loki).send(events);
  assert.deepEqual(kinds(outcomes), events.map((event) => (refused.has(event.id) ? 'dead:rejected' : 'ok')));
  assert.deepEqual(storedIds(loki).sort(), events.filter((event) => !refused.has(event.id)).map((event) => event.id).sort());
  const sent = loki.requests.flatMap(idsIn);
  assert.deepEqual([...sent].sort(), events.map((event) => event.id).sort(), 'every entry pushed exactly once');
  for (const request of loki.requests) assert.equal((JSON.parse(request.body) as { streams: unknown[] }).streams.length, 1, 'one stream per push');
});

test('stores each entry once when Loki refuses some entries of two streams in a push far larger than its head block', async () => {
  // 300 entries of ~1 KB in two streams, a 4 KiB head block: a re-sent copy would be stored again.
  const double = await LokiDouble.start({ blockSize: 4096 });
  try {
    const events = sameStream(300, 11).map((event, i) => ({
      ...event,
      level: i % 2 === 0 ? 'warning' : 'error',
      json: JSON.stringify({ ...JSON.parse(event.json), pad: 'x'.repeat(1000) }),
    }));
    const refused = new Set(events.filter((_, i) => i % 50 === 7 || i % 50 === 8).map((event) => event.id));
    double.rejectEntries((entry) => refused.has(entry.metadata?.event_id ?? ''));
    const outcomes = await sinkFor(double).send(events);
    assert.deepEqual(kinds(outcomes), events.map((event) => (refused.has(event.id) ? 'dead:rejected' : 'ok')));
    const stored = storedIds(double);
    assert.equal(stored.length - new Set(stored).size, 0, 'no entry stored twice');
    assert.deepEqual([...stored].sort(), events.filter((event) => !refused.has(event.id)).map((event) => event.id).sort());
  } finally {
    await double.close();
  }
});

test('dead-letters every entry of a push whose refused entries Loki listed only in part, the named ones by name', async () => {
  const double = await LokiDouble.start({ maxReturnedErrors: 2 });
  try {
    const events = sameStream(6, 12);
    const refused = new Set([events[1]!.id, events[2]!.id, events[4]!.id]);
    double.rejectEntries((entry) => refused.has(entry.metadata?.event_id ?? ''));
    const outcomes = await sinkFor(double).send(events);
    assert.deepEqual(kinds(outcomes), events.map(() => 'dead:rejected'), 'nothing refused is lost');
    assert.match((outcomes[1] as { detail: string }).detail, /Loki ignored the entry/);
    assert.match((outcomes[4] as { detail: string }).detail, /may have been stored/);
    assert.equal(double.requests.length, 1, 'nothing sent again');
  } finally {
    await double.close();
  }
});

test('reads the distributor\'s report of refused entries (too old, line too long) and stores the rest once', async () => {
  const events = sameStream(5, 13);
  // Loki names a long line by its length only: events[2]'s is made unique among these five.
  events[2] = { ...events[2]!, json: events[2]!.json.replace('"message":"', '"message":"longer ') };
  assert.equal(events.filter((event) => event.json.length === events[2]!.json.length).length, 1);
  loki.refuseAtDistributor((entry) => entry.metadata?.event_id === events[1]!.id, 'too_old');
  loki.refuseAtDistributor((entry) => entry.metadata?.event_id === events[2]!.id, 'line_too_long');
  const outcomes = await sinkFor(loki).send(events);
  assert.deepEqual(kinds(outcomes), ['ok', 'dead:rejected', 'dead:too_large', 'ok', 'ok']);
  assert.deepEqual(storedIds(loki), [0, 3, 4].map((i) => events[i]!.id));
});

test('the double answers as Loki\'s ingester does: only the last stream of a push, so a later stream stored in full hides an earlier refusal', async () => {
  const [a, b] = [sameStream(1, 14)[0]!, { ...generatedEvents(1, { seed: 15 })[0]!, namespace: 'elsewhere-ns' }];
  loki.rejectEntries((entry) => entry.metadata?.event_id === a.id);
  const body = (events: typeof a[]) => JSON.stringify({ streams: events.map((event) => ({ stream: { job: 'vigil', ns: event.namespace ?? 'none' }, values: [[String(1748959200000000000n), event.json, { event_id: event.id }]] })) });
  const answer = await fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-scope-orgid': TENANT }, body: body([a, b]) });
  assert.equal(answer.status, 204);
  assert.deepEqual(storedIds(loki), [b.id]);
});

test('the double ignores an exact duplicate as Loki does: 204, stored once; a line already cut from the head block is stored again', async () => {
  const [first, second, third] = sameStream(3, 10);
  // The head block is cut once a third line joins the first two.
  const double = await LokiDouble.start({ blockSize: Buffer.byteLength(first!.json) + Buffer.byteLength(second!.json) + 1 });
  try {
    const sink = sinkFor(double);
    assert.deepEqual(kinds(await sink.send([first!, second!])), ['ok', 'ok']);
    assert.deepEqual(kinds(await sink.send([first!, second!])), ['ok', 'ok']);
    assert.deepEqual(double.requests.map((r) => r.status), [204, 204]);
    assert.deepEqual(storedIds(double), [first!.id, second!.id]);
    await sink.send([third!]);
    await sink.send([first!]);
    assert.deepEqual(storedIds(double), [first!.id, second!.id, third!.id, first!.id]);
  } finally {
    await double.close();
  }
});

test('halves a push Loki refuses as too large, and dead-letters one event that alone is too large', async () => {
  const small = await LokiDouble.start({ maxContentLength: 2500 });
  try {
    const events = [...sameStream(8, 6), ...generatedEvents(1, { seed: 7, padding: 3000 })];
    const outcomes = await sinkFor(small).send(events);
    assert.deepEqual(kinds(outcomes), [...events.slice(0, 8).map(() => 'ok'), 'dead:too_large']);
    assert.equal(small.requests[0]!.status, 413);
    assert.deepEqual(small.requests.filter((r) => r.status === 204).flatMap(idsIn), events.slice(0, 8).map((e) => e.id));
    assert.deepEqual(storedIds(small), events.slice(0, 8).map((e) => e.id));
  } finally {
    await small.close();
  }
});

test('cuts a batch into pushes of at most max_bytes', async () => {
  const events = generatedEvents(20, { seed: 8 });
  assert.deepEqual(kinds(await sinkFor(loki, { max_bytes: 2048 }).send(events)), events.map(() => 'ok'));
  assert.ok(loki.requests.length > 1);
  for (const request of loki.requests) assert.ok(Buffer.byteLength(request.body) <= 2048);
  assert.deepEqual(loki.requests.flatMap(idsIn).sort(), events.map((e) => e.id).sort());
});

test('retries with the Retry-After of a 429 and stores nothing', async () => {
  loki.failNext(1, 429, { retryAfter: 3 });
  const outcomes = await sinkFor(loki).send(sameStream(2));
  assert.deepEqual(outcomes.map((o) => o.kind === 'retry' && [o.reason, o.afterMs]), [['rate_limited', 3000], ['rate_limited', 3000]]);
  assert.equal(loki.entries.length, 0);
});

test('retries when the connection drops mid-request', async () => {
  loki.dropNext(1);
  assert.deepEqual(kinds(await sinkFor(loki).send(sameStream(2))), ['retry:network', 'retry:network']);
  assert.equal(loki.entries.length, 0);
});

test('dead-letters a push Loki discards with 260 (ingestion blocked)', async () => {
  loki.blockIngestion(true);
  assert.deepEqual(kinds(await sinkFor(loki).send(sameStream(2))), ['dead:rejected', 'dead:rejected']);
  assert.equal(loki.entries.length, 0);
});

test('halts (retry unauthorized) when no tenant is configured for a multi-tenant Loki', async () => {
  const sink = lokiFactory.create(lokiFactory.schema.parse({ url: loki.url }), { logger: silentLogger, dataDir: '' });
  sinks.push(sink);
  assert.deepEqual(kinds(await sink.send(sameStream(1))), ['retry:unauthorized']);
  assert.deepEqual(loki.requests.map((r) => r.status), [401]);
});

test('authenticates to a gateway with basic auth', async () => {
  const gated = await LokiDouble.start({ authorization: `Basic ${Buffer.from('vigil:s3cret').toString('base64')}` });
  try {
    const sink = sinkFor(gated, { basic_auth: { username: 'vigil', password: 's3cret' }, compression: true });
    assert.deepEqual(kinds(await sink.send(sameStream(2))), ['ok', 'ok']);
    assert.equal(gated.requests[0]!.headers['content-encoding'], 'gzip');
    assert.equal(gated.entries.length, 2);
  } finally {
    await gated.close();
  }
});

test('the double refuses what Loki refuses: numeric timestamps, other content types, bad label names', async () => {
  const post = (body: string, contentType = 'application/json') =>
    fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': contentType, 'x-scope-orgid': TENANT }, body }).then((r) => r.status);
  assert.equal(await post('{"streams":[{"stream":{"job":"x"},"values":[[1741944413589793238,"line"]]}]}'), 400);
  assert.equal(await post('{"streams":[{"stream":{"job":"x"},"values":[["1","line"]]}]}', 'text/plain'), 400);
  assert.equal(await post('{"streams":[{"stream":{"k8s.ns":"x"},"values":[["1","bad"]]},{"stream":{"job":"x"},"values":[["2","good"]]}]}'), 400);
  assert.deepEqual(loki.entries.map((entry) => entry.line), ['good'], 'the valid stream of a refused push is stored');
  const sample = readFileSync(new URL('../../../../fixtures/sinks/loki/push-request.json', import.meta.url), 'utf8');
  assert.equal(await post(sample), 204);
  assert.equal(loki.entries.length, 3);
});

test('retries when Loki answers later than timeout_ms', async () => {
  loki.delay(2000);
  assert.deepEqual(kinds(await sinkFor(loki, { timeout_ms: 100 }).send(sameStream(2))), ['retry:timeout', 'retry:timeout']);
  loki.delay(0);
});

test('retries while Loki is down and delivers once it is back on the same port', async () => {
  const double = await LokiDouble.start();
  try {
    const sink = sinkFor(double);
    const events = sameStream(2, 9);
    await double.down();
    assert.deepEqual(kinds(await sink.send(events)), ['retry:network', 'retry:network']);
    await double.up();
    assert.deepEqual(kinds(await sink.send(events)), ['ok', 'ok']);
    assert.deepEqual(storedIds(double), events.map((e) => e.id));
  } finally {
    await double.close();
  }
});

test('stream labels take only configured clusters and namespaces: forged names are _other, the line keeps them', async () => {
  const sink = lokiFactory.create(lokiFactory.schema.parse({ url: loki.url, tenant: TENANT }), {
    logger: silentLogger, dataDir: '', labels: { clusters: ['prod-eu'], namespaces: ['payments'] },
  });
  sinks.push(sink);
  const forged = sameStream(10, 6).map((event, i) => ({ ...event, cluster: `forged-${i}`, namespace: `ns-${i}` }));
  const real = { ...sameStream(1, 7)[0]!, cluster: 'prod-eu', namespace: 'payments' };
  // As the deliver worker hands them over: decoded from a sink batch, the JSON read lazily.
  const decoded = decodeSinkBatch(encodeSinkBatch([...forged, real]));
  assert.deepEqual(kinds(await sink.send(decoded)), decoded.map(() => 'ok'));
  const streams = new Set(loki.entries.map((entry) => `${entry.labels.cluster}/${entry.labels.namespace}`));
  assert.deepEqual([...streams].sort(), ['_other/_other', 'prod-eu/payments']);
  const forgedEntry = loki.entries.find((entry) => entry.metadata?.event_id === forged[3]!.id)!;
  assert.equal(forgedEntry.line, forged[3]!.json, 'the event itself is unchanged');
});

test('retries a 2xx with a body (not Loki\'s 204: a proxy page), saying what came', async () => {
  const sink = sinkFor(loki);
  loki.failNext(1, 200, { body: '<html>Sign in</html>' });
  const outcomes = await sink.send(sameStream(2, 9));
  assert.deepEqual(kinds(outcomes), ['retry:server_error', 'retry:server_error']);
  assert.match(outcomes[0]!.kind === 'retry' ? outcomes[0]!.detail ?? '' : '', /expected Loki's 204 No Content, got HTTP 200: <html>Sign in<\/html>/);
});
