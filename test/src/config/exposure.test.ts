import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.ts';
import { exposureWarnings, isLoopback } from '../../../src/config/exposure.ts';

// Who may send events when vigil starts: loopback by default, and never the network without auth
// unless the config says so route by route.

const dir = mkdtempSync(join(tmpdir(), 'vigil-exposure-'));
const defaults = new URL('../../../config/default.yaml', import.meta.url).pathname;
const load = (env: Record<string, string>, yaml?: string) => {
  const file = yaml === undefined ? defaults : join(dir, `c${Math.random()}.yaml`);
  if (yaml !== undefined) writeFileSync(file, yaml);
  return loadConfig({ VIGIL_DATA_DIR: dir, ...env }, file);
};
const refusal = (env: Record<string, string>, yaml?: string) => {
  try {
    load(env, yaml);
  } catch (error) {
    return error as { code: string; problems: string[] };
  }
  return undefined;
};

test('the embedded default and the schema default bind loopback, so npm start needs no token', () => {
  assert.equal(load({}).listen.host, '127.0.0.1');
  assert.equal(load({}, 'data_dir: ./data\n').listen.host, '127.0.0.1');
  assert.equal(load({}).listen.admin.host, '127.0.0.1', 'the admin listener follows listen.host');
  assert.deepEqual(exposureWarnings(load({})), []);
});

test('a route without auth on a non-loopback address refuses to start, naming every open route in one line', () => {
  const open = refusal({ VIGIL_HOST: '0.0.0.0' });
  assert.equal(open?.code, 'VIGIL_ERR_WEBHOOK_UNAUTHENTICATED');
  assert.equal(open.problems.length, 1);
  for (const kind of ['neuvector', 'falco', 'k8s-audit', 'alertmanager', 'json']) assert.match(open.problems[0], new RegExp(`/ingest/${kind}\\b`));
  assert.match(open.problems[0], /VIGIL_WEBHOOK_TOKEN/);

  // A token on one route leaves the others open: still refused, naming only those.
  const partly = refusal({ VIGIL_HOST: '::', VIGIL_WEBHOOK_NEUVECTOR_TOKEN: 'nv-secret-0123456789' });
  assert.equal(partly?.code, 'VIGIL_ERR_WEBHOOK_UNAUTHENTICATED');
  assert.doesNotMatch(partly.problems[0], /\/ingest\/neuvector/);
  assert.match(partly.problems[0], /\/ingest\/falco, \/ingest\/k8s-audit, \/ingest\/alertmanager, \/ingest\/json/);

  // webhooks.auth: none is not an explicit choice for a route (a route added later would inherit it).
  assert.equal(refusal({ VIGIL_HOST: '10.1.2.3', VIGIL_WEBHOOK_AUTH: 'none' })?.code, 'VIGIL_ERR_WEBHOOK_UNAUTHENTICATED');
});

test('a token, explicit auth: none per route, loopback or webhooks off each let vigil start', () => {
  assert.equal(load({ VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_TOKEN: 'global-0123456789' }).webhooks.token, 'global-0123456789');
  assert.equal(load({ VIGIL_HOST: '0.0.0.0', VIGIL_HTTP_PORT: 'off' }).listen.http_port, null);
  assert.equal(load({ VIGIL_HOST: 'localhost' }).listen.host, 'localhost');
  const explicit = load({ VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_TOKEN: 'global-0123456789' }, [
    'webhooks:',
    '  routes:',
    '    json: { auth: none }',
    '',
  ].join('\n'));
  const warnings = exposureWarnings(explicit);
  assert.equal(warnings.filter((w) => w.includes('/ingest/')).length, 1);
  assert.match(warnings.find((w) => w.includes('/ingest/'))!, /^webhook routes \/ingest\/json take unauthenticated events on 0\.0\.0\.0:8080, from any address/);
});

test('syslog without authentication on a non-loopback address is warned about, unless an allowlist or client certificates limit it', () => {
  const config = load({ VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_TOKEN: 'global-0123456789', VIGIL_ADMIN_HOST: '127.0.0.1' });
  const warnings = exposureWarnings(config);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /^syslog over UDP takes unauthenticated events from any address on 0\.0\.0\.0:5514/);
  assert.match(warnings[1], /^syslog over TCP .*listen\.allow_cidrs\.tcp/);
  const limited = load({ VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_TOKEN: 'global-0123456789', VIGIL_ADMIN_TOKEN: 'admin-0123456789' },
    'listen:\n  allow_cidrs: { udp: [10.0.0.0/8], tcp: [10.0.0.0/8] }\n');
  assert.deepEqual(exposureWarnings(limited), []);
});

test('metrics readable from the network without a token or allowlist are warned about', () => {
  const open = exposureWarnings(load({ VIGIL_HOST: '127.0.0.1', VIGIL_ADMIN_HOST: '0.0.0.0' }));
  assert.equal(open.length, 1);
  assert.match(open[0], /^GET \/metrics .* 0\.0\.0\.0:9098: set listen\.admin\.token/);
  assert.deepEqual(exposureWarnings(load({ VIGIL_ADMIN_HOST: '0.0.0.0', VIGIL_ADMIN_TOKEN: 'admin-0123456789' })), []);
  assert.deepEqual(exposureWarnings(load({ VIGIL_ADMIN_HOST: '0.0.0.0' }, 'listen:\n  admin: { allow_cidrs: [10.0.0.0/8] }\n')), []);
});

test('loopback is 127.0.0.0/8, ::1 and localhost; wildcards and other addresses are the network', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'vigil.example', '', '::ffff:10.0.0.1']) assert.equal(isLoopback(host), false, host);
});
