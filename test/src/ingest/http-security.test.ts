import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../../../src/observability/metrics.ts';
import { silentLogger } from '../../../src/observability/logger.ts';
import { createHttpApp, setHttpsContext, type HttpAppOptions } from '../../../src/ingest/http/app.ts';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { createRateLimiter } from '../../../src/ingest/access/rate-limit.ts';
import { readTlsFiles, watchTlsFiles } from '../../../src/ingest/tls-context.ts';
import { createFakeSubmit, metricValue } from './support.ts';
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

