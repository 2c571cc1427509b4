import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { createLogger, silentLogger, type Logger } from '../../../src/telemetry/logger.ts';
import { createHttpApp, type HttpAppOptions } from '../../../src/ingest/http/app.ts';
import { createFakeSubmit, metricValue } from './support.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';

const FIXTURES = new URL('../../../fixtures/', import.meta.url);
/** Webhook bodies from the golden fixtures: `falco-x.json` is fixtures/falco/x.json, NeuVector's keep their names. */
const sample = (name: string) => {
  const [, source, rest] = /^(falco|alertmanager|k8s-audit)-(.*)$/.exec(name) ?? [undefined, 'neuvector', name];
  return readFileSync(new URL(`${source}/${rest}`, FIXTURES), 'utf8');
};
const JSON_TYPE = { 'content-type': 'application/json' };
const TOKEN = 's3cr3t-t0ken-value';

function makeApp(overrides: Partial<HttpAppOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const app = createHttpApp({
    submit: fake.submit, metrics, ready: () => true, bodyLimit: 64 * 1024, logger: silentLogger, ...overrides,
  });
  return { app, fake, metrics };
}

const errorBody = (body: string) => {
  assert.equal(body.includes('\n'), false, 'one line');
  const parsed = JSON.parse(body) as { error?: unknown };
  assert.equal(typeof parsed.error, 'string');
  return parsed.error as string;
};

test('NeuVector key=value webhook is stored verbatim and answered 200 after submit', async () => {
  const { app, fake } = makeApp();
  const body = sample('webhook-kv-violation-01.txt');
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: body, headers: { 'content-type': 'text/plain; charset=us-ascii' } });
  assert.equal(res.statusCode, 200);
  assert.equal(fake.events.length, 1);
  const [event] = fake.events;
  assert.equal(event.text, body);
  assert.equal(event.format, 'neuvector');
  assert.equal(event.input, 'http');
  assert.equal(event.listener, 'http');
  assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
  assert.equal(typeof event.receivedAt, 'number');
});

test('NeuVector without any Content-Type (5.3.0–5.3.2) is accepted', async () => {
  const { app, fake } = makeApp();
  const body = sample('webhook-kv-violation-01.txt');
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: body });
  assert.equal(res.statusCode, 200);
  assert.equal(fake.events[0]?.text, body);
});

test('NeuVector invalid JSON (unescaped cluster name) is accepted, never refused', async () => {
  const { app, fake } = makeApp();
  const body = sample('webhook-json-invalid-01.json');
  assert.throws(() => JSON.parse(body));
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: body, headers: JSON_TYPE });
  assert.equal(res.statusCode, 200);
  assert.equal(fake.events[0]?.text, body);
  assert.equal(fake.events[0]?.format, 'neuvector');
});

test('NeuVector with a content type it never sends is 415', async () => {
  const { app, fake } = makeApp();
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: '<x/>', headers: { 'content-type': 'application/xml' } });
  assert.equal(res.statusCode, 415);
  assert.match(errorBody(res.body), /application\/xml/);
  assert.equal(fake.calls.length, 0);
});

test('Falco JSON is accepted (charset fine); malformed JSON is accepted too, as Falco ignores status codes', async () => {
  const { app, fake } = makeApp();
  const alert = sample('falco-terminal-shell-in-container.json');
  const ok = await app.inject({ method: 'POST', url: '/ingest/falco', payload: alert, headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(ok.statusCode, 200);
  const broken = await app.inject({ method: 'POST', url: '/ingest/falco', payload: '{"rule": "x", ', headers: JSON_TYPE });
  assert.equal(broken.statusCode, 200);
  assert.deepEqual(fake.events.map((e) => [e.format, e.text]), [['falco', alert], ['falco', '{"rule": "x", ']]);
});

for (const kind of ['falco', 'k8s-audit', 'alertmanager', 'json']) {
  test(`${kind} requires a JSON Content-Type (415 otherwise, or when missing)`, async () => {
    const { app, fake } = makeApp();
    const text = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: sample('falco-text-output.txt'), headers: { 'content-type': 'text/plain' } });
    assert.equal(text.statusCode, 415);
    assert.match(errorBody(text.body), /text\/plain/);
    const none = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: '{}' });
    assert.equal(none.statusCode, 415);
    assert.equal(fake.calls.length, 0);
  });
}

for (const [kind, file] of [
  ['k8s-audit', 'k8s-audit-eventlist-mixed-stages.json'],
  ['alertmanager', 'alertmanager-firing-v4.json'],
  ['json', 'alertmanager-firing-v4.json'],
] as const) {
  test(`${kind}: well-formed JSON is stored with format ${kind}; malformed JSON is 400 with a one-line reason`, async () => {
    const { app, fake } = makeApp();
    const body = sample(file);
    const ok = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: body, headers: JSON_TYPE });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(fake.events.map((e) => [e.format, e.text]), [[kind, body]]);
    const bad = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: '{"items": [1, 2,\n ]}', headers: JSON_TYPE });
    assert.equal(bad.statusCode, 400);
    assert.match(errorBody(bad.body), /^invalid JSON/);
    assert.equal(fake.calls.length, 1);
  });
}

test('/ingest/json takes NDJSON under an NDJSON content type, stored as one raw body', async () => {
  const { app, fake } = makeApp();
  const body = '{"message":"a"}\n{"message":"b"}\n';
  const res = await app.inject({ method: 'POST', url: '/ingest/json', payload: body, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(fake.events.map((e) => e.text), [body]);
  const bad = await app.inject({ method: 'POST', url: '/ingest/json', payload: '{"message":"a"\n{"message":"b"}\n', headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(bad.statusCode, 400);
});

test('a compressed body is 415, not stored as garbage', async () => {
  const { app, fake } = makeApp();
  const res = await app.inject({ method: 'POST', url: '/ingest/falco', payload: gzipSync('{}'), headers: { ...JSON_TYPE, 'content-encoding': 'gzip' } });
  assert.equal(res.statusCode, 415);
  assert.match(errorBody(res.body), /gzip/);
  assert.equal(fake.calls.length, 0);
});

test('an empty body is 400 on every webhook route', async () => {
  const { app, fake } = makeApp();
  for (const kind of ['neuvector', 'falco', 'k8s-audit', 'alertmanager', 'json']) {
    const res = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: '', headers: JSON_TYPE });
    assert.equal(res.statusCode, 400, kind);
    assert.equal(errorBody(res.body), 'Empty body');
  }
  assert.equal(fake.calls.length, 0);
});

test('unknown routes and wrong methods are 404 with an error body', async () => {
  const { app } = makeApp();
  for (const [method, url] of [['POST', '/ingest/unknown'], ['GET', '/ingest/neuvector'], ['GET', '/nope']] as const) {
    const res = await app.inject({ method, url });
    assert.equal(res.statusCode, 404, `${method} ${url}`);
    assert.equal(errorBody(res.body), 'Not found');
  }
});

test('a body over the limit is 413, not submitted, and counted as too_large', async () => {
  const { app, fake, metrics } = makeApp({ bodyLimit: 1000 });
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: 'x'.repeat(1001), headers: { 'content-type': 'text/plain' } });
  assert.equal(res.statusCode, 413);
  assert.match(errorBody(res.body), /1000 bytes/);
  const fits = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: 'x'.repeat(1000), headers: { 'content-type': 'text/plain' } });
  assert.equal(fits.statusCode, 200);
  assert.equal(fake.calls.length, 1);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'too_large' }), 1);
});

test('a rejected submit is 503 with Retry-After', async () => {
  const { app, fake } = makeApp({ retryAfterSeconds: 7 });
  fake.failNext(1);
  const res = await app.inject({ method: 'POST', url: '/ingest/k8s-audit', payload: '{"kind":"EventList","items":[]}', headers: JSON_TYPE });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '7');
  errorBody(res.body);
  assert.equal(fake.events.length, 0);
});

test('a rejected submit is 500 on the NeuVector route, the only status NeuVector retries', async () => {
  const { app, fake } = makeApp();
  fake.failNext(1);
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: sample('webhook-kv-violation-01.txt'), headers: { 'content-type': 'text/plain' } });
  assert.equal(res.statusCode, 500);
  errorBody(res.body);
});

test('the reply waits for submit to resolve', async () => {
  const { app, fake } = makeApp();
  const release = fake.holdNext();
  let answered = false;
  const reply = app.inject({ method: 'POST', url: '/ingest/falco', payload: '{}', headers: JSON_TYPE }).then((res) => {
    answered = true;
    return res;
  });
  await fake.waitForCalls(1);
  for (let i = 0; i < 20; i++) await nextTurn();
  assert.equal(answered, false, 'answered before the events were stored');
  release();
  assert.equal((await reply).statusCode, 200);
});

test('webhook token: Bearer header, ?token= and path form are accepted, anything else is 401', async () => {
  const { app, fake } = makeApp({ webhookToken: TOKEN });
  const post = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: 'level=WARNING', headers: { 'content-type': 'text/plain', ...headers } });

  assert.equal((await post('/ingest/neuvector', { authorization: `Bearer ${TOKEN}` })).statusCode, 200);
  assert.equal((await post(`/ingest/neuvector?token=${TOKEN}`)).statusCode, 200);
  assert.equal((await post(`/ingest/neuvector/${TOKEN}`)).statusCode, 200);
  assert.equal(fake.events.length, 3);

  for (const [url, headers] of [
    ['/ingest/neuvector', {}],
    ['/ingest/neuvector', { authorization: `Bearer ${TOKEN}x` }],
    ['/ingest/neuvector', { authorization: `Basic ${TOKEN}` }],
    ['/ingest/neuvector?token=wrong', {}],
    [`/ingest/neuvector?token=${TOKEN.slice(0, -1)}`, {}],
    ['/ingest/neuvector/wrong', {}],
  ] as const) {
    const res = await post(url, headers);
    assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
    errorBody(res.body);
  }
  assert.equal(fake.events.length, 3);
  // Health and metrics stay open to probes.
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

test('without a configured token the path form does not exist', async () => {
  const { app } = makeApp();
  const res = await app.inject({ method: 'POST', url: '/ingest/neuvector/anything', payload: 'x', headers: { 'content-type': 'text/plain' } });
  assert.equal(res.statusCode, 404);
});

test('the token never reaches the logs', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger: Logger = createLogger({ level: 'trace', destination });
  const { app, fake } = makeApp({ webhookToken: TOKEN, logger });
  // Whatever logs a request object (a plugin, a future hook) gets the URL masked.
  app.addHook('onRequest', async (request) => request.log.info({ req: request }, 'Request seen'));
  const post = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: '{}', headers: { 'content-type': 'application/json', ...headers } });
  await post(`/ingest/falco/${TOKEN}x`); // 401, logged with its route
  await post(`/ingest/falco?%74oken=${TOKEN}x`); // 401: a percent-encoded key is still the token's spelling
  fake.failNext(2);
  await post(`/ingest/falco/${TOKEN}`); // 503, logged
  await post(`/ingest/falco?token=${TOKEN}`, { authorization: `Bearer ${TOKEN}` });
  assert.equal((await post(`/ingest/falco?%74oken=${TOKEN}`)).statusCode, 200, 'the query key decodes to token');
  await app.inject({ method: 'GET', url: `/nope?token=${TOKEN}` });
  await app.inject({ method: 'POST', url: `/ingest/unknown/${TOKEN}` });
  await app.close();
  await new Promise((resolve) => setImmediate(resolve));
  const text = lines.join('');
  assert.match(text, /missing or wrong credentials/, 'the refusal was logged');
  assert.match(text, /"route":"\/ingest\/falco"/, 'with the route pattern');
  assert.doesNotMatch(text, /"url"/, 'never a URL');
  assert.match(text, /queue is unavailable/);
  assert.match(text, /"msg":"Request seen"/);
  assert.equal(text.includes(TOKEN), false, text);
});

test('a request from outside the allowlist is logged by its route, never its URL and token', async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: new Writable({ write: (chunk, _e, done) => done(void lines.push(String(chunk))) }) });
  const { app } = makeApp({ webhookToken: TOKEN, logger, allow: createAllowlist(['10.0.0.0/8']) });
  for (const url of [`/ingest/json?%74oken=${TOKEN}`, `/ingest/json/${TOKEN}`, `/ingest/json?token=${TOKEN}`]) {
    assert.equal((await app.inject({ method: 'POST', url, payload: '{}', headers: JSON_TYPE, remoteAddress: '192.0.2.7' })).statusCode, 403);
  }
  await app.close();
  const text = lines.join('');
  assert.match(text, /not in listen\.allow_cidrs\.http/);
  assert.match(text, /"route":"\/ingest\/json"/);
  assert.equal(text.includes(TOKEN), false, text);
});

test('refused credentials are counted per route and summarised with the addresses that failed', async () => {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'trace', destination: new Writable({ write: (chunk, _e, done) => done(void lines.push(JSON.parse(String(chunk)))) }) });
  const { app, metrics } = makeApp({ webhookToken: TOKEN, logger, authLogIntervalMs: 100 });
  const attackers = ['192.0.2.1', '192.0.2.2', '198.51.100.9'];
  for (let i = 0; i < 30; i++) {
    const remoteAddress = attackers[i % 3];
    const res = await app.inject({ method: 'POST', url: `/ingest/k8s-audit?token=guess-${i}`, payload: '{}', headers: JSON_TYPE, remoteAddress });
    assert.equal(res.statusCode, 401);
  }
  await app.inject({ method: 'POST', url: '/ingest/falco', payload: '{}', headers: JSON_TYPE, remoteAddress: '203.0.113.5' });
  assert.equal(await metricValue(metrics, 'vigil_webhook_auth_failures_total', { route: '/ingest/k8s-audit' }), 30);
  assert.equal(await metricValue(metrics, 'vigil_webhook_auth_failures_total', { route: '/ingest/falco' }), 1);
  assert.equal(await metricValue(metrics, 'vigil_webhook_auth_failures_total', { route: '/ingest/json' }), 0, 'every route starts at zero');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const summaries = lines.filter((l) => l.msg === 'Refused webhook requests: missing or wrong credentials');
  assert.equal(summaries.length, 2, 'one line per route and interval, not one per request');
  const k8s = summaries.find((l) => l.route === '/ingest/k8s-audit')!;
  assert.equal(k8s.failures, 30);
  assert.deepEqual(k8s.peers, { '192.0.2.1': 10, '192.0.2.2': 10, '198.51.100.9': 10 });
  assert.equal(lines.some((l) => JSON.stringify(l).includes('guess-')), false, 'no guessed token in the log');
  await app.close();
});

test('healthz, readyz (following ready()); metrics are on the admin listener only', async () => {
  let ready: boolean | Error = false;
  const { app, metrics: registry } = makeApp({
    ready: async () => {
      if (ready instanceof Error) throw ready;
      return ready;
    },
  });
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
  ready = true;
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  ready = new Error('redis ping failed');
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);

  await app.inject({ method: 'POST', url: '/ingest/json', payload: '{}', headers: JSON_TYPE });
  await app.inject({ method: 'POST', url: '/ingest/json', payload: '{', headers: JSON_TYPE });
  await app.inject({ method: 'POST', url: '/ingest/json', payload: '{', headers: JSON_TYPE });
  await app.inject({ method: 'POST', url: '/ingest/what' });
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  const metrics = await registry.registry.metrics();
  assert.match(metrics, /vigil_http_requests_total\{route="\/ingest\/json",status="200"\} 1\n/);
  assert.match(metrics, /vigil_http_requests_total\{route="\/ingest\/json",status="400"\} 2\n/);
  assert.match(metrics, /vigil_http_requests_total\{route="unmatched",status="404"\} 2\n/);
  assert.match(metrics, /vigil_events_received_total\{listener="http"\} 1\n/);
});

test('the token-bearing path counts under its route, not its URL', async () => {
  const { app, metrics } = makeApp({ webhookToken: TOKEN });
  await app.inject({ method: 'POST', url: `/ingest/falco/${TOKEN}`, payload: '{}', headers: JSON_TYPE });
  const text = await metrics.registry.metrics();
  assert.match(text, /vigil_http_requests_total\{route="\/ingest\/falco",status="200"\} 1\n/);
  assert.equal(text.includes(TOKEN), false);
});

test('over a real socket the peer is the client address and port', async () => {
  const { app, fake } = makeApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/ingest/neuvector`, { method: 'POST', body: 'level=WARNING', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200);
    const [event] = fake.events;
    assert.match(event.peer, /^127\.0\.0\.1:[1-9]\d*$/);
    assert.notEqual(event.peer, `127.0.0.1:${port}`);
  } finally {
    await app.close();
  }
});

test('a sender names its cluster by ?cluster= or, where its URL keeps no query (the API server), by /cluster/<name>; a name that is none is 400', async () => {
  const { app, fake } = makeApp({ webhookToken: TOKEN });
  const body = sample('k8s-audit-eventlist-mixed-stages.json');
  const post = (url: string) => app.inject({ method: 'POST', url, payload: body, headers: { ...JSON_TYPE, authorization: `Bearer ${TOKEN}` } });
  assert.equal((await post('/ingest/k8s-audit/cluster/prod')).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: `/ingest/k8s-audit/cluster/prod/${TOKEN}`, payload: body, headers: JSON_TYPE })).statusCode, 200);
  assert.equal((await post('/ingest/k8s-audit?cluster=staging.eu')).statusCode, 200);
  assert.equal((await post('/ingest/k8s-audit')).statusCode, 200);
  assert.deepEqual(fake.events.map((event) => event.cluster), ['prod', 'prod', 'staging.eu', undefined]);
  const refused = await post('/ingest/k8s-audit?cluster=a%20b');
  assert.equal(refused.statusCode, 400);
  assert.match(errorBody(refused.body), /cluster name/);
  assert.equal(fake.events.length, 4, 'nothing stored for it');
});
