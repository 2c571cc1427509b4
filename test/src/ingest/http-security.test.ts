import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { createHttpApp, setHttpsContext, type HttpAppOptions } from '../../../src/ingest/http/app.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { createRateLimiter } from '../../../src/ingest/access/rate-limit.ts';
import { readTlsFiles, watchTlsFiles } from '../../../src/ingest/tls-context.ts';
import { createFakeSubmit, HANDSHAKE_FAILURE, metricValue, negotiate, rsaServerCertificate, waitUntil } from './support.ts';
import { makePki, type Pki } from '../../support/pki.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const TEXT_TYPE = { 'content-type': 'text/plain' };
let pki: Pki;

before(() => {
  pki = makePki();
});
after(() => pki.remove());

function makeApp(overrides: Partial<HttpAppOptions> = {}) {
  const fake = createFakeSubmit();
  const metrics = new Metrics();
  const app = createHttpApp({ submit: fake.submit, metrics, ready: () => true, bodyLimit: 64 * 1024, logger: silentLogger, ...overrides });
  return { app, fake, metrics };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('auth per route: token in the path for NeuVector, bearer for Kubernetes, basic for Alertmanager, none for json', async () => {
  const { app, fake } = makeApp({
    auth: {
      default: { type: 'token', token: 'global-token' },
      routes: {
        'neuvector': { type: 'token', token: 'nv-token' },
        'k8s-audit': { type: 'bearer', token: 'k8s-token' },
        'alertmanager': { type: 'basic', username: 'am', password: 'am-pass' },
        'json': { type: 'none' },
      },
    },
  });
  const post = (url: string, headers: Record<string, string> = {}, payload = '{}') =>
    app.inject({ method: 'POST', url, payload, headers: { ...JSON_TYPE, ...headers } }).then((r) => r.statusCode);

  assert.equal(await post('/ingest/neuvector/nv-token'), 200);
  assert.equal(await post('/ingest/neuvector?token=nv-token'), 200);
  assert.equal(await post('/ingest/neuvector/global-token'), 401, 'a route with its own token does not take the global one');
  assert.equal(await post('/ingest/falco/global-token'), 200, 'falco falls back to the global default');
  assert.equal(await post('/ingest/falco/nv-token'), 401);

  assert.equal(await post('/ingest/k8s-audit', { authorization: 'Bearer k8s-token' }), 200);
  assert.equal(await post('/ingest/k8s-audit?token=k8s-token'), 401, 'bearer means the header only');
  assert.equal(await post('/ingest/k8s-audit/k8s-token'), 404, 'no token path on a bearer route');

  assert.equal(await post('/ingest/alertmanager', { authorization: basic('am', 'am-pass') }), 200);
  for (const wrong of [basic('am', 'wrong'), basic('other', 'am-pass'), basic('am', ''), 'Bearer am-pass', 'Basic !!!']) {
    const res = await app.inject({ method: 'POST', url: '/ingest/alertmanager', payload: '{}', headers: { ...JSON_TYPE, authorization: wrong } });
    assert.equal(res.statusCode, 401, wrong);
    assert.equal(res.headers['www-authenticate'], 'Basic realm="vigil"');
  }

  assert.equal(await post('/ingest/json'), 200);
  assert.equal(fake.events.length, 6);
});

test('allow_cidrs on webhooks: other sources get 403 and are counted; health and metrics stay open', async () => {
  const { app, fake, metrics } = makeApp({ allow: createAllowlist(['10.0.0.0/8']) });
  const res = await app.inject({ method: 'POST', url: '/ingest/json', payload: '{}', headers: JSON_TYPE });
  assert.equal(res.statusCode, 403);
  assert.equal(JSON.parse(res.body).error, 'Source address not allowed');
  assert.equal(fake.calls.length, 0);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'denied' }), 1);
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const allowed = await app.inject({ method: 'POST', url: '/ingest/json', payload: '{}', headers: JSON_TYPE, remoteAddress: '10.1.2.3' });
  assert.equal(allowed.statusCode, 200);
});

test('the allowlist comes before auth: a denied source learns nothing about the token', async () => {
  const { app } = makeApp({ webhookToken: 't', allow: createAllowlist(['10.0.0.0/8']) });
  assert.equal((await app.inject({ method: 'POST', url: '/ingest/json', payload: '{}', headers: JSON_TYPE })).statusCode, 403);
});

test('requests per second per peer: the excess is 429 with Retry-After and counted as rate_limited', async () => {
  const rateLimit = createRateLimiter({ perSecond: 0.5, burst: 2, maxPeers: 10 });
  const { app, fake, metrics } = makeApp({ rateLimit });
  const post = (remoteAddress: string) => app.inject({ method: 'POST', url: '/ingest/json', payload: '{}', headers: JSON_TYPE, remoteAddress });
  assert.equal((await post('10.0.0.1')).statusCode, 200);
  assert.equal((await post('10.0.0.1')).statusCode, 200);
  const limited = await post('10.0.0.1');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '2');
  assert.equal((await post('10.0.0.2')).statusCode, 200, 'another peer is not limited');
  assert.equal(fake.events.length, 3);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'rate_limited' }), 1);
  assert.equal(await metricValue(metrics, 'vigil_http_requests_total', { route: '/ingest/json', status: '429' }), 1);
});

test('JSON nested deeper than the limit is 400 with the reason on every route, and counted', async () => {
  const { app, fake, metrics } = makeApp({ maxJsonDepth: 8 });
  const deep = `{"a":${'['.repeat(9)}${']'.repeat(9)}}`;
  for (const kind of ['neuvector', 'falco', 'k8s-audit', 'alertmanager', 'json']) {
    const res = await app.inject({ method: 'POST', url: `/ingest/${kind}`, payload: deep, headers: JSON_TYPE });
    assert.equal(res.statusCode, 400, kind);
    assert.equal(JSON.parse(res.body).error, 'JSON nested deeper than 8 levels');
  }
  assert.equal(fake.calls.length, 0);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'json_too_deep' }), 5);
  const fits = `{"a":${'['.repeat(7)}${']'.repeat(7)}}`;
  assert.equal((await app.inject({ method: 'POST', url: '/ingest/json', payload: fits, headers: JSON_TYPE })).statusCode, 200);
  // Key=value text is not JSON: its brackets are not nesting.
  const kv = `level=Warning,message=${'['.repeat(20)}`;
  assert.equal((await app.inject({ method: 'POST', url: '/ingest/neuvector', payload: kv, headers: TEXT_TYPE })).statusCode, 200);
});

/** One HTTPS request with node's client; resolves with the status and the served certificate's CN. */
function httpsPost(port: number, path: string, client: { cert?: string; key?: string } = {}): Promise<{ status: number; servedBy: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path, method: 'POST', ca: pki.ca, agent: false, headers: JSON_TYPE, ...client,
    }, (res) => {
      res.resume();
      const servedBy = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, servedBy }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

test('HTTPS webhooks: a route with mtls auth takes only verified client certificates, others serve anyone', async () => {
  const { app, fake } = makeApp({
    https: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false },
    auth: { routes: { falco: { type: 'mtls' } } },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as AddressInfo;
    assert.equal((await httpsPost(port, '/ingest/falco', { cert: pki.clientCert, key: pki.clientKey })).status, 200);
    assert.equal((await httpsPost(port, '/ingest/falco')).status, 401);
    assert.equal((await httpsPost(port, '/ingest/falco', { cert: pki.strangerCert, key: pki.strangerKey })).status, 401);
    assert.equal((await httpsPost(port, '/ingest/json')).status, 200);
    assert.deepEqual(fake.events.map((e) => e.format), ['falco', 'json']);
    // The verified certificate's identity goes on the event; the anonymous json request has none.
    assert.deepEqual(fake.events.map((e) => e.client), [{ subject: 'CN=client', commonName: 'client' }, undefined]);
  } finally {
    await app.close();
  }
});

test('HTTPS certificate reload: new connections get the new certificate; a bad one keeps the old', async () => {
  const certFile = join(pki.dir, 'https.crt');
  const keyFile = join(pki.dir, 'https.key');
  writeFileSync(certFile, pki.serverCert);
  writeFileSync(keyFile, pki.serverKey);
  const pem = readTlsFiles({ cert: certFile, key: keyFile });
  const { app, metrics } = makeApp({ https: { cert: pem.cert, key: pem.key } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const reloader = watchTlsFiles({
    listener: 'http', files: { cert: certFile, key: keyFile }, apply: (next) => setHttpsContext(app, next),
    metrics, logger: silentLogger, pollIntervalMs: 0,
  });
  try {
    const { port } = app.server.address() as AddressInfo;
    assert.equal((await httpsPost(port, '/ingest/json')).servedBy, 'server');
    const renewed = pki.issueServer('https-renewed');
    writeFileSync(keyFile, renewed.key);
    writeFileSync(certFile, renewed.cert);
    assert.equal(reloader.reload(), true);
    assert.equal((await httpsPost(port, '/ingest/json')).servedBy, 'https-renewed');
    writeFileSync(keyFile, pki.serverKey); // not the key of the renewed certificate
    assert.equal(reloader.reload(), false);
    const after = await httpsPost(port, '/ingest/json');
    assert.deepEqual(after, { status: 200, servedBy: 'https-renewed' });
    assert.equal(await metricValue(metrics, 'vigil_tls_reloads_total', { listener: 'http', result: 'failed' }), 1);
  } finally {
    reloader.stop();
    await app.close();
  }
});


/** Resolves when the server has closed the socket, whatever error came first; gives up after a bound. */
async function closedByServer(socket: net.Socket): Promise<void> {
  let closed = socket.destroyed;
  socket.on('error', () => undefined);
  socket.once('close', () => (closed = true));
  await waitUntil(() => closed, 'the server to close the connection');
}

async function connectFrom(port: number, localAddress: string): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** One plain HTTP POST from a chosen source address, on its own connection. */
function postFrom(port: number, localAddress: string, path = '/ingest/json', body = '{}'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', localAddress, agent: false, headers: JSON_TYPE }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('slow bodies (slowloris): a request not received whole within the request timeout is closed, others are served', async () => {
  const { app, fake } = makeApp({ requestTimeoutMs: 400, connectionTimeoutMs: 30_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const slow: net.Socket[] = [];
  const drips: NodeJS.Timeout[] = [];
  try {
    const { port } = app.server.address() as AddressInfo;
    for (let i = 0; i < 20; i++) {
      const socket = await connectFrom(port, '127.0.0.1');
      socket.write('POST /ingest/json HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{');
      // One byte every 100 ms: never idle, so only the request timeout can end it.
      drips.push(setInterval(() => socket.destroyed || socket.write(' '), 100));
      slow.push(socket);
    }
    assert.equal(await postFrom(port, '127.0.0.1'), 200, 'a real request is served meanwhile');
    await Promise.all(slow.map(closedByServer));
    assert.equal(fake.events.length, 1);
  } finally {
    drips.forEach(clearInterval);
    slow.forEach((socket) => socket.destroy());
    await app.close();
  }
});

test('connection caps: per source as connections arrive, and overall; refusals are counted and others are served', async () => {
  const { app, fake, metrics } = makeApp({ maxConnections: 6, maxConnectionsPerPeer: 3 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const open: net.Socket[] = [];
  try {
    const { port } = app.server.address() as AddressInfo;
    for (let i = 0; i < 3; i++) open.push(await connectFrom(port, '127.0.0.1'));
    await closedByServer(await connectFrom(port, '127.0.0.1'));
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'peer_connection_limit' }), 1);
    assert.equal(await postFrom(port, '127.0.0.2'), 200, 'another source is served');

    for (let i = 0; i < 3; i++) open.push(await connectFrom(port, i < 2 ? '127.0.0.3' : '127.0.0.4'));
    await closedByServer(await connectFrom(port, '127.0.0.5'));
    await waitUntil(async () => (await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'connection_limit' })) === 1, 'the overall cap counted');
    open.pop()!.destroy();
    await waitUntil(async () => (await postFrom(port, '127.0.0.5').catch(() => 0)) === 200, 'a freed slot served');
    assert.equal(fake.events.length, 2);
  } finally {
    open.forEach((socket) => socket.destroy());
    await app.close();
  }
});

test('HTTPS: connections that never finish the TLS handshake are closed after the handshake timeout, and count per source meanwhile', async () => {
  const { app, metrics } = makeApp({ https: { cert: pki.serverCert, key: pki.serverKey }, tlsHandshakeTimeoutMs: 300, maxConnectionsPerPeer: 2 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const silent: net.Socket[] = [];
  try {
    const { port } = app.server.address() as AddressInfo;
    for (let i = 0; i < 3; i++) silent.push(await connectFrom(port, '127.0.0.1'));
    await Promise.all(silent.map(closedByServer));
    assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'peer_connection_limit' }), 1);
    assert.equal((await httpsPost(port, '/ingest/json')).status, 200, 'their slots are free again');
  } finally {
    silent.forEach((socket) => socket.destroy());
    await app.close();
  }
});

const items = (n: number, item = '{}') => Array.from({ length: n }, () => item);

test('items per request: a body that would multiply into more events than the cap gets 413 and is not stored', async () => {
  const { app, fake, metrics } = makeApp({ bodyLimit: 1_048_576 });
  const post = (url: string, payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

  const ndjson = `${items(Math.floor((125 * 1024) / 3)).join('\n')}\n`; // 125 KiB of `{}` lines: 42,666 events
  const array = `[${items(349_000).join(',')}]`; // 1 MiB: 349,000 events
  assert.ok(array.length <= 1_048_576);
  const eventList = (n: number) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: items(n).map(() => ({})) });
  const alerts = (n: number) => JSON.stringify({ version: '4', status: 'firing', receiver: 'vigil', alerts: items(n).map(() => ({ status: 'firing' })) });
  for (const [url, payload, type, count] of [
    ['/ingest/json', ndjson, 'application/x-ndjson', 42_666],
    ['/ingest/json', array, 'application/json', 349_000],
    ['/ingest/k8s-audit', eventList(10_001), 'application/json', 10_001],
    ['/ingest/k8s-audit', `[${items(10_001).join(',')}]`, 'application/json', 10_001],
    ['/ingest/alertmanager', alerts(10_001), 'application/json', 10_001],
  ] as const) {
    const res = await post(url, payload, type);
    assert.equal(res.statusCode, 413, `${url} with ${count} items`);
    assert.equal(JSON.parse(res.body).error, `Body holds ${count} events, more than the 10000 allowed per request: send smaller batches`);
  }
  assert.equal(fake.calls.length, 0, 'nothing stored');
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'too_many_items' }), 5);

  // Real batches fit: the API server's default batch of 400 audit events, and exactly the cap.
  assert.equal((await post('/ingest/k8s-audit', eventList(400))).statusCode, 200);
  assert.equal((await post('/ingest/json', `[${items(10_000).join(',')}]`)).statusCode, 200);
  assert.equal((await post('/ingest/alertmanager', alerts(50))).statusCode, 200);
  assert.equal(fake.events.length, 3);
});

test('rate limit in events: a request is charged one token per item, and the next requests wait until the bucket refills', async () => {
  let time = 1_000_000;
  const rateLimit = createRateLimiter({ perSecond: 100, burst: 200, maxPeers: 10, now: () => time });
  const { app, fake, metrics } = makeApp({ rateLimit });
  const post = (payload: string) => app.inject({ method: 'POST', url: '/ingest/json', payload, headers: JSON_TYPE, remoteAddress: '10.0.0.1' });
  const batch = `[${items(150).join(',')}]`;
  assert.equal((await post(batch)).statusCode, 200, '150 events of a 200 burst');
  assert.equal((await post(batch)).statusCode, 200, 'let in with 50 tokens left, charged 150: 100 in debt');
  const limited = await post('{}');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '2', '101 tokens at 100 per second');
  assert.equal(JSON.parse(limited.body).error, 'Too many events from this address, retry later');
  time += 1_000;
  assert.equal((await post('{}')).statusCode, 429, 'still in debt after a second');
  time += 1_100;
  assert.equal((await post('{}')).statusCode, 200, 'refilled');
  assert.equal(fake.events.length, 3);
  assert.equal(await metricValue(metrics, 'vigil_events_dropped_total', { listener: 'http', reason: 'rate_limited' }), 2);
});

test('HTTPS: TLS 1.2 suites are Mozilla intermediate (no static RSA, no CBC with SHA-1); TLS 1.3 as before', async () => {
  const rsa = makeApp({ https: rsaServerCertificate(pki.dir) });
  const ec = makeApp({ https: { cert: pki.serverCert, key: pki.serverKey } });
  await rsa.app.listen({ host: '127.0.0.1', port: 0 });
  await ec.app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const rsaPort = (rsa.app.server.address() as AddressInfo).port;
    const ecPort = (ec.app.server.address() as AddressInfo).port;
    const tls12 = { maxVersion: 'TLSv1.2' } as const;
    assert.equal(await negotiate(rsaPort, { ...tls12, ciphers: 'AES128-SHA:AES256-SHA' }), HANDSHAKE_FAILURE);
    assert.equal(await negotiate(ecPort, { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA' }), HANDSHAKE_FAILURE);
    assert.equal(await negotiate(rsaPort, { ...tls12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }), 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(await negotiate(ecPort, { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }), 'TLS_AES_128_GCM_SHA256');
  } finally {
    await rsa.app.close();
    await ec.app.close();
  }
});

test('items per request on /ingest/json: lines are items only for NDJSON, not for one pretty-printed document', async () => {
  const { app, fake } = makeApp({ maxItemsPerRequest: 5 });
  const post = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/ingest/json', payload, headers: { 'content-type': type } });
  const pretty = JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5, f: [1, 2, 3] }, null, 2);
  assert.ok(pretty.split('\n').length > 5);
  assert.equal((await post(pretty)).statusCode, 200, 'one document over many lines');
  const tooMany = await post('{"n":1}\n'.repeat(6), 'application/x-ndjson');
  assert.equal(tooMany.statusCode, 413);
  assert.match(JSON.parse(tooMany.body).error, /^Body holds 6 events, more than the 5 allowed/);
  assert.equal((await post('{"n":1}\n'.repeat(5), 'application/x-ndjson')).statusCode, 200, 'exactly the cap');
  const broken = await post(`{"n":\n${'{"n":1}\n'.repeat(6)}`, 'application/x-ndjson');
  assert.equal(broken.statusCode, 400, 'a body whose first line is not JSON is malformed, not NDJSON');
  assert.equal(fake.events.length, 2);
});
