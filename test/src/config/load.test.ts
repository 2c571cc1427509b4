import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_OVERRIDES, loadConfig } from '../../../src/config/load.ts';
import { configReference, withReference } from '../../../src/config/reference.ts';
import { ConfigError, CONFIG_ERRORS } from '../../../src/config/errors.ts';
import { configSchema } from '../../../src/config/schema.ts';

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
