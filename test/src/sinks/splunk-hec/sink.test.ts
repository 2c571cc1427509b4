import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import type { Outcome, Sink } from '../../../../src/sinks/kit/types.ts';
import { splunkHec } from '../../../../src/sinks/splunk-hec/index.ts';
import type { RecordedRequest } from '../../../support/doubles/http-double.ts';
import { SplunkHecDouble, splitObjects } from '../../../support/doubles/splunk-hec.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';

const TOKEN = '6f1c1b3e-hec-token';
const sinks: Sink[] = [];
let hec: SplunkHecDouble;

function sinkFor(double: SplunkHecDouble, overrides: Record<string, unknown> = {}): Sink {
  const config = splunkHec.schema.parse({ url: double.url, token: TOKEN, ...overrides });
  const sink = splunkHec.create(config, { logger: silentLogger, dataDir: '' });
  sinks.push(sink);
  return sink;
}

function kinds(outcomes: Outcome[]): string[] {
  return outcomes.map((outcome) => (outcome.kind === 'ok' ? 'ok' : `${outcome.kind}:${outcome.reason}`));
}

/** The event.id of every HEC object in a recorded request body. */
function idsIn(request: RecordedRequest): string[] {
  return splitObjects(request.body).objects.map((raw) => JSON.parse(raw).event.event.id);
}

function eventRequests(double: SplunkHecDouble): RecordedRequest[] {
  return double.requests.filter((request) => request.path === '/services/collector/event');
}

before(async () => {
  hec = await SplunkHecDouble.start({ token: TOKEN });
});
beforeEach(() => {
  hec.reset();
  hec.events.length = 0;
  hec.clearEventFaults();
});
after(async () => {
  await Promise.all(sinks.map((sink) => sink.close?.()));
  await hec.close();
});

test('posts the batch as concatenated event objects with the Splunk token, and HEC indexes each once', async () => {
  const events = fixtureEvents();
  assert.deepEqual(kinds(await sinkFor(hec).send(events)), events.map(() => 'ok'));
  assert.deepEqual(hec.requests.map((r) => `${r.method} ${r.path} ${r.status}`), ['POST /services/collector/event 200']);
  const [request] = hec.requests;
  assert.equal(request!.headers.authorization, `Splunk ${TOKEN}`);
  assert.equal(request!.body.trimStart()[0], '{', 'concatenated objects, not an array');
  assert.deepEqual(hec.events.map((stored) => (stored.event.event as { event: { id: string } }).event.id), events.map((e) => e.id));
  assert.ok(hec.events[0]!.raw.includes('"evt.time":1741944413589793238'));
});

test('keeps the events before a rejected one, dead-letters it, and resends the rest at once', async () => {
  const events = generatedEvents(5, { seed: 21 });
  hec.failEventAt(2);
  const outcomes = await sinkFor(hec).send(events);
  assert.deepEqual(kinds(outcomes), ['ok', 'ok', 'dead:rejected', 'ok', 'ok']);
  assert.match((outcomes[2] as { detail: string }).detail, /code 6/);
  assert.deepEqual(eventRequests(hec).map((r) => [r.status, idsIn(r)]), [
    [400, events.map((e) => e.id)],
    [200, [events[3]!.id, events[4]!.id]],
  ]);
  const indexed = hec.events.map((stored) => (stored.event.event as { event: { id: string } }).event.id);
  assert.deepEqual(indexed, [0, 1, 3, 4].map((i) => events[i]!.id), 'every good event indexed exactly once');
});

test('retries from the event where HEC got busy, and a retry of those completes the batch exactly once', async () => {
  const events = generatedEvents(4, { seed: 22 });
  const sink = sinkFor(hec);
  hec.rejectEvents((stored) => stored.raw.includes(`"${events[1]!.id}"`), 9);
  const first = await sink.send(events);
  assert.deepEqual(kinds(first), ['ok', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable']);
  hec.clearEventFaults();
  const retried = events.filter((_, i) => first[i]!.kind === 'retry');
  assert.deepEqual(kinds(await sink.send(retried)), ['ok', 'ok', 'ok']);
  const indexed = hec.events.map((stored) => (stored.event.event as { event: { id: string } }).event.id);
  assert.deepEqual(indexed, events.map((e) => e.id));
});

test('halves a batch HEC refuses as too large, and dead-letters one event that alone is too large', async () => {
  const small = await SplunkHecDouble.start({ token: TOKEN, maxContentLength: 2000 });
  try {
    const events = [...generatedEvents(8, { seed: 23 }), ...generatedEvents(1, { seed: 24, padding: 2500 })];
    const outcomes = await sinkFor(small).send(events);
    assert.deepEqual(kinds(outcomes), [...events.slice(0, 8).map(() => 'ok'), 'dead:too_large']);
    assert.equal(eventRequests(small)[0]!.status, 413);
    const accepted = eventRequests(small).filter((r) => r.status === 200);
    assert.deepEqual(accepted.flatMap(idsIn), events.slice(0, 8).map((e) => e.id));
    assert.equal(small.events.length, 8);
  } finally {
    await small.close();
  }
});

test('cuts a batch into requests of at most max_bytes, gzip-compressed when asked', async () => {
  const events = generatedEvents(20, { seed: 25 });
  assert.deepEqual(kinds(await sinkFor(hec, { max_bytes: 2048, compression: true }).send(events)), events.map(() => 'ok'));
  const requests = eventRequests(hec);
  assert.ok(requests.length > 1);
  for (const request of requests) {
    assert.equal(request.headers['content-encoding'], 'gzip');
    assert.ok(Buffer.byteLength(request.body) <= 2048);
  }
  assert.deepEqual(requests.flatMap(idsIn), events.map((e) => e.id));
});

test('retries with the Retry-After of a 429 and indexes nothing', async () => {
  hec.failNext(1, 429, { retryAfter: 12 });
  const outcomes = await sinkFor(hec).send(generatedEvents(2));
  assert.deepEqual(outcomes.map((o) => o.kind === 'retry' && [o.reason, o.afterMs]), [['rate_limited', 12_000], ['rate_limited', 12_000]]);
  assert.equal(hec.events.length, 0);
});

test('retries when the connection drops mid-request', async () => {
  hec.dropNext(1);
  assert.deepEqual(kinds(await sinkFor(hec).send(generatedEvents(2))), ['retry:network', 'retry:network']);
  assert.deepEqual(hec.requests.map((r) => r.status), [0]);
});

test('halts (retry unauthorized) when the token is wrong', async () => {
  const sink = sinkFor(hec, { token: 'wrong' });
  assert.deepEqual(kinds(await sink.send(generatedEvents(1))), ['retry:unauthorized']);
  assert.deepEqual(hec.requests.map((r) => r.status), [403]);
});

test('with indexer acknowledgement, reports ok only after Splunk acknowledged the request', async () => {
  const acking = await SplunkHecDouble.start({ token: TOKEN, ack: true });
  try {
    const channel = '0b0d6d3c-7c4a-4a7e-9a49-5f3b2f1f2e11';
    const sink = sinkFor(acking, { ack: { enabled: true, channel, poll_interval_ms: 10, timeout_ms: 5_000 } });
    assert.deepEqual(kinds(await sink.send(generatedEvents(3, { seed: 26 }))), ['ok', 'ok', 'ok']);
    assert.deepEqual(acking.requests.map((r) => `${r.path} ${r.status} ${r.headers['x-splunk-request-channel']}`), [
      `/services/collector/event 200 ${channel}`,
      `/services/collector/ack 200 ${channel}`,
    ]);
    assert.deepEqual(JSON.parse(acking.requests[1]!.body), { acks: [0] });
  } finally {
    await acking.close();
  }
});

test('with indexer acknowledgement, retries events Splunk never acknowledged (timeout)', async () => {
  const acking = await SplunkHecDouble.start({ token: TOKEN, ack: true });
  try {
    acking.holdAcks(true);
    const sink = sinkFor(acking, { ack: { enabled: true, poll_interval_ms: 10, timeout_ms: 100 } });
    assert.deepEqual(kinds(await sink.send(generatedEvents(2, { seed: 27 }))), ['retry:timeout', 'retry:timeout']);
    assert.ok(acking.requests.filter((r) => r.path === '/services/collector/ack').length >= 1);
  } finally {
    await acking.close();
  }
});

test('the double refuses what real HEC refuses: no token, wrong scheme, an array body, a missing channel', async () => {
  const acking = await SplunkHecDouble.start({ token: TOKEN, ack: true });
  try {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${acking.url}/services/collector/event`, { method: 'POST', headers, body }).then(async (r) => [r.status, ((await r.json()) as { code: number }).code]);
    const channel = { 'x-splunk-request-channel': '0b0d6d3c-7c4a-4a7e-9a49-5f3b2f1f2e11' };
    assert.deepEqual(await post({}, '{"event":"x"}'), [401, 2]);
    assert.deepEqual(await post({ authorization: `Bearer ${TOKEN}` }, '{"event":"x"}'), [401, 3]);
    assert.deepEqual(await post({ authorization: `Splunk ${TOKEN}` }, '{"event":"x"}'), [400, 10]);
    assert.deepEqual(await post({ authorization: `Splunk ${TOKEN}`, ...channel }, '[{"event":"x"}]'), [400, 6]);
    assert.deepEqual(await post({ authorization: `Splunk ${TOKEN}`, ...channel }, '{"event":"x","fields":{"a":{"b":1}}}'), [400, 15]);
    assert.equal(acking.events.length, 0);
  } finally {
    await acking.close();
  }
});

test('retries when HEC answers later than timeout_ms, and while it is down', async () => {
  const double = await SplunkHecDouble.start({ token: TOKEN });
  try {
    const sink = sinkFor(double, { timeout_ms: 100 });
    double.delay(2000);
    assert.deepEqual(kinds(await sink.send(generatedEvents(1))), ['retry:timeout']);
    double.delay(0);
    await double.down();
    assert.deepEqual(kinds(await sink.send(generatedEvents(1))), ['retry:network']);
    await double.up();
    assert.deepEqual(kinds(await sink.send(generatedEvents(1))), ['ok']);
  } finally {
    await double.close();
  }
});

test('the double indexes the recorded HEC batch sample: string time, flat fields with a string array', async () => {
  const sample = readFileSync(new URL('../../../../fixtures/sinks/splunk-hec/batch-request.txt', import.meta.url), 'utf8');
  const response = await fetch(`${hec.url}/services/collector/event`, { method: 'POST', headers: { authorization: `Splunk ${TOKEN}` }, body: sample });
  assert.deepEqual([response.status, await response.json()], [200, { text: 'Success', code: 0 }]);
  assert.deepEqual(hec.events.map((stored) => stored.event.time), [1741944413.589, '1741944667.112']);
});

test('retries a 200 that is not HEC\'s success answer (a proxy page), saying what came', async () => {
  const sink = sinkFor(hec);
  hec.failNext(1, 200, { body: '<html>Sign in</html>' });
  const outcomes = await sink.send(generatedEvents(2));
  assert.deepEqual(kinds(outcomes), ['retry:server_error', 'retry:server_error']);
  assert.match(outcomes[0]!.kind === 'retry' ? outcomes[0]!.detail ?? '' : '', /expected HEC's \{"text":"Success","code":0\}, got <html>Sign in<\/html>/);
  assert.equal(hec.events.length, 0);
});

test('with indexer acknowledgement, an ack answer of another shape is named in the retry', async () => {
  const double = await SplunkHecDouble.start({ token: TOKEN, ack: true });
  try {
    const sink = sinkFor(double, { ack: { enabled: true, poll_interval_ms: 20, timeout_ms: 300 } });
    double.failNext(100, 200, { body: '{"acks":[true]}', path: /\/ack$/ });
    const outcomes = await sink.send(generatedEvents(1));
    assert.deepEqual(kinds(outcomes), ['retry:timeout']);
    assert.match(outcomes[0]!.kind === 'retry' ? outcomes[0]!.detail ?? '' : '', /last poll: Ack query: Unexpected answer: expected \{"acks":\{"<ack id>":true\|false\}\}, got \{"acks":\[true\]\}/);
  } finally {
    await double.close();
  }
});
