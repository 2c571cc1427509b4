import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAllowlist } from '../../../src/ingest/access/allowlist.ts';
import { createAdminApp } from '../../../src/admin/admin.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';

const TOKEN = 'admin-0123456789abcdef';

test('the admin listener serves health, readiness and metrics; /metrics wants the bearer token when one is set', async () => {
  let ready = false;
  const app = createAdminApp({ metrics: new Metrics(), ready: () => ready, token: TOKEN, logger: silentLogger });
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
  ready = true;
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'probes need no secret');
  const anonymous = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
  assert.doesNotMatch(anonymous.body, /vigil_/);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  const authorised = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(authorised.statusCode, 200);
  assert.match(String(authorised.headers['content-type']), /^text\/plain/);
  assert.match(authorised.body, /vigil_security_events_total/);
  assert.equal((await app.inject({ method: 'POST', url: '/ingest/json', payload: '{}' })).statusCode, 404, 'no webhooks here');
  await app.close();
});

test('the admin allowlist refuses every route to other sources with 403', async () => {
  const app = createAdminApp({ metrics: new Metrics(), ready: () => true, allow: createAllowlist(['10.0.0.0/8']), logger: silentLogger });
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    assert.equal((await app.inject({ method: 'GET', url, remoteAddress: '192.0.2.1' })).statusCode, 403, url);
    assert.equal((await app.inject({ method: 'GET', url, remoteAddress: '10.1.2.3' })).statusCode, 200, url);
  }
  await app.close();
});
