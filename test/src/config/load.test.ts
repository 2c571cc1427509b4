import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_OVERRIDES, loadConfig } from '../../../src/config/load.ts';
import { configReference, withReference } from '../../../src/config/reference.ts';
import { ConfigError, CONFIG_ERRORS } from '../../../src/config/errors.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { resolveWebhookAuth, WEBHOOK_KINDS } from '../../../src/config/webhook-auth.ts';
import { WEBHOOK_ROUTES } from '../../../src/ingest/http/routes/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const defaults = new URL('../../../config/default.yaml', import.meta.url).pathname;
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('the embedded default config is valid and listens where the README says', () => {
  const config = loadConfig({}, defaults);
  assert.equal(config.listen.http_port, 8080);
  assert.equal(config.listen.syslog_udp_port, 5514);
  assert.equal(config.listen.syslog_tcp_port, 5514);
  assert.equal(config.listen.syslog_tls_port, null);
  assert.equal(config.redis.url, null);
});

test('environment variables override the file, and off disables a listener', () => {
  const config = loadConfig({
    VIGIL_HTTP_PORT: '9090', VIGIL_SYSLOG_UDP_PORT: 'off', REDIS_URL: 'redis://r:6380', VIGIL_ES_URL: 'http://es:9200',
    VIGIL_SPLUNK_HEC_URL: 'https://splunk:8088', VIGIL_SPLUNK_HEC_TOKEN: 't0ken', VIGIL_DATA_DIR: '/var/lib/vigil',
  }, defaults);
  assert.equal(config.listen.http_port, 9090);
  assert.equal(config.listen.syslog_udp_port, null);
  assert.equal(config.redis.url, 'redis://r:6380');
  assert.equal(config.data_dir, '/var/lib/vigil');
  assert.deepEqual(config.sinks.elasticsearch, { url: 'http://es:9200' });
  assert.deepEqual(config.sinks['splunk-hec'], { url: 'https://splunk:8088', token: 't0ken' });
});

test('a secret can come from a file named by <NAME>_FILE', () => {
  const secret = file('token', 's3cret\n');
  const config = loadConfig({ VIGIL_WEBHOOK_TOKEN_FILE: secret }, defaults);
  assert.equal(config.webhooks.token, 's3cret');
});

test('errors name the key and the problem', () => {
  const path = file('bad.yaml', 'listen:\n  http_port: 70000\nbatch:\n  max_events: 0\n');
  assert.throws(() => loadConfig({}, path), (error: ConfigError) => {
    assert.equal(error.code, 'VIGIL_ERR_CONFIG_INVALID');
    assert.ok(error.problems.some((p) => p.startsWith('listen.http_port:')), error.message);
    assert.ok(error.problems.some((p) => p.startsWith('batch.max_events:')), error.message);
    return true;
  });
  assert.throws(() => loadConfig({ VIGIL_HTTP_PORT: 'eighty' }, defaults), { code: 'VIGIL_ERR_CONFIG_ENV' });
  assert.throws(() => loadConfig({}, file('broken.yaml', 'listen: [\n')), { code: 'VIGIL_ERR_CONFIG_YAML' });
  assert.throws(() => loadConfig({}, join(dir, 'missing.yaml')), { code: 'VIGIL_ERR_CONFIG_READ' });
});

test('README documents every error code', () => {
  for (const code of Object.keys(CONFIG_ERRORS)) assert.ok(readme.includes(`\`${code}\``), `README lacks ${code}`);
});

test("README's configuration reference is the one the schema generates (npm run docs:config)", () => {
  assert.equal(withReference(readme), readme, 'README drifted from the schema: run npm run docs:config');
});

test('the reference lists every config key, and every environment override names a real key', () => {
  const reference = configReference();
  for (const key of schemaKeys(configSchema.shape, '')) {
    assert.ok(reference.includes(`| \`${key}\``) || reference.includes(`| \`${key}.`), `reference lacks config key ${key}`);
  }
  for (const { env, path } of ENV_OVERRIDES) {
    assert.ok(reference.includes(`| \`${path.join('.')}\` | \`${env}\` |`), `${env} overrides ${path.join('.')}, which the reference does not list`);
  }
});

/** Leaf keys of the schema as dotted paths (sinks.* is documented per sink). */
function schemaKeys(shape: Record<string, unknown>, prefix: string): string[] {
  return Object.entries(shape).flatMap(([key, schema]) => {
    const path = prefix + key;
    const inner = unwrap(schema);
    if (path === 'sinks') return [path];
    return inner && typeof inner === 'object' && 'shape' in inner ? schemaKeys((inner as { shape: Record<string, unknown> }).shape, `${path}.`) : [path];
  });
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown; in?: unknown } };
  while (s?.def?.innerType ?? s?.def?.in) s = (s.def!.innerType ?? s.def!.in) as typeof s;
  return s;
}

test('syslog over TLS defaults to 6514 once a certificate and key are configured; off still turns it off', () => {
  const tls = { VIGIL_TLS_CERT: '/etc/vigil/tls.crt', VIGIL_TLS_KEY: '/etc/vigil/tls.key' };
  assert.equal(loadConfig(tls, defaults).listen.syslog_tls_port, 6514);
  assert.equal(loadConfig({ ...tls, VIGIL_SYSLOG_TLS_PORT: 'off' }, defaults).listen.syslog_tls_port, null);
  assert.equal(loadConfig({ ...tls, VIGIL_SYSLOG_TLS_PORT: '7514' }, defaults).listen.syslog_tls_port, 7514);
  assert.throws(() => loadConfig({ VIGIL_SYSLOG_TLS_PORT: '6514' }, defaults), (error: ConfigError) => {
    assert.ok(error.problems.some((p) => p.startsWith('listen.syslog_tls_port: syslog over TLS needs')), error.message);
    return true;
  });
});

test('webhook credentials per route come from the environment or files; routes fall back to the global default', () => {
  const config = loadConfig({
    VIGIL_WEBHOOK_TOKEN: 'global',
    VIGIL_WEBHOOK_NEUVECTOR_TOKEN_FILE: file('nv-token', 'nv-secret\n'),
    VIGIL_WEBHOOK_K8S_AUDIT_AUTH: 'bearer',
    VIGIL_WEBHOOK_ALERTMANAGER_USERNAME: 'am',
    VIGIL_WEBHOOK_ALERTMANAGER_PASSWORD_FILE: file('am-password', 'am-secret\n'),
    VIGIL_WEBHOOK_JSON_AUTH: 'none',
  }, defaults);
  assert.deepEqual(resolveWebhookAuth(config.webhooks, config.listen.http_tls), {
    routes: {
      'neuvector': { type: 'token', token: 'nv-secret' },
      'falco': { type: 'token', token: 'global' },
      'k8s-audit': { type: 'bearer', token: 'global' },
      'alertmanager': { type: 'basic', username: 'am', password: 'am-secret' },
      'json': { type: 'none' },
    },
    explicitNone: new Set(['json']),
    problems: [],
  });
});

test('security keys that cannot work are named: bad CIDRs, auth without credentials, mtls without HTTPS client certificates', () => {
  const path = file('security.yaml', [
    'listen:',
    '  allow_cidrs: { udp: [10.0.0.0/8, 10.0.0.0/33], http: [example.com] }',
    '  http_tls: { cert: /c.pem, client_auth: required }',
    'webhooks:',
    '  routes:',
    '    falco: { auth: mtls }',
    '    alertmanager: { auth: basic, username: am }',
    '    k8s-audit: { auth: bearer }',
    '',
  ].join('\n'));
  assert.throws(() => loadConfig({}, path), (error: ConfigError) => {
    for (const key of ['listen.allow_cidrs.udp.1', 'listen.allow_cidrs.http.0', 'listen.http_tls', 'listen.http_tls.ca',
      'webhooks.routes.falco.auth', 'webhooks.routes.alertmanager.auth', 'webhooks.routes.k8s-audit.auth']) {
      assert.ok(error.problems.some((p) => p.startsWith(`${key}: `)), `${key} in:\n${error.message}`);
    }
    // Only those: an unset TLS port is not reported because other keys failed.
    assert.equal(error.problems.length, 7, error.message);
    return true;
  });
});

test('every security key says what it does (.describe), so check-config and the README can', () => {
  const listen = unwrap(configSchema.shape.listen) as { shape: Record<string, unknown> };
  const webhooks = unwrap(configSchema.shape.webhooks) as { shape: Record<string, unknown> };
  const keys: Array<[string, unknown]> = [
    ...['http_tls', 'tls_reload_interval_ms', 'allow_cidrs', 'max_connections_per_peer', 'rate_limit', 'max_json_depth', 'syslog_tls_port']
      .map((k): [string, unknown] => [`listen.${k}`, listen.shape[k]]),
    ...Object.entries(webhooks.shape).map(([k, s]): [string, unknown] => [`webhooks.${k}`, s]),
  ];
  const leaves = (name: string, schema: unknown): Array<[string, unknown]> => {
    const inner = unwrap(schema) as { shape?: Record<string, unknown> };
    return inner.shape ? Object.entries(inner.shape).flatMap(([k, s]) => leaves(`${name}.${k}`, s)) : [[name, schema]];
  };
  for (const [name, schema] of keys.flatMap(([n, s]) => leaves(n, s))) {
    assert.ok((schema as { description?: string }).description, `${name} has no .describe`);
  }
});

test('every webhook route can have its own auth: the config knows the same route kinds as the HTTP app', () => {
  assert.deepEqual([...WEBHOOK_KINDS].sort(), WEBHOOK_ROUTES.map((r) => r.kind).sort());
});
