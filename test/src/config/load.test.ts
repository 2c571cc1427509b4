import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_OVERRIDES, loadConfig } from '../../../src/config/load.ts';
import { configReference, REFERENCE_PAGE, withReference } from '../../../src/config/reference.ts';
import { ConfigError, ERRORS } from '../../../src/config/errors.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { resolveWebhookAuth, WEBHOOK_KINDS } from '../../../src/config/webhook-auth.ts';
import { WEBHOOK_ROUTES } from '../../../src/webhook-routes/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const defaults = new URL('../../../config/default.yaml', import.meta.url).pathname;
const page = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const errorsPage = page('docs/errors.md');
const referencePage = page(REFERENCE_PAGE);

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

test('docs/errors.md documents every error code with the exit status vigil ends with', () => {
  for (const [code, { exit }] of Object.entries(ERRORS)) {
    assert.match(errorsPage, new RegExp(`\\| \`${code}\` \\| ${exit} \\|`), `docs/errors.md lacks ${code} with exit status ${exit}`);
  }
});

test('the configuration reference (docs/configuration.md) is the one the schema generates (npm run docs:config)', () => {
  assert.equal(withReference(referencePage), referencePage, `${REFERENCE_PAGE} drifted from the schema: run npm run docs:config`);
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

test('every security key says what it does (.describe), so check-config and the reference can', () => {
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

test('an unknown key is an error in every section, naming the nearest known key, and all problems come in one pass', () => {
  const path = file('typos.yaml', [
    'dat_dir: /tmp/x',
    'webhooks: {tokne: s3cret}',
    'listen:',
    '  http_prot: 17080',
    '  syslog_tcp_port: eighty',
    '  tls: {crt: /c.pem}',
    '  allow_cidrs: {htp: []}',
    '  rate_limit: {burts: 3}',
    'redis: {ulr: "redis://r:6379"}',
    'batch: {max_event: 10}',
    'process: {thread: 1}',
    'delivery: {max_attempt: 3}',
    'jobs: {lock: 1000}',
    'labels: {cluster: [a]}',
    'backpressure: {high_watermark: 3}',
    'role: ingets',
    'sinks:',
    '  elasticsearh: {url: "http://es:9200"}',
    '  loki: {url: "http://loki:3100", max_attemps: 3, tls: {reject_unauthorised: false}}',
    '',
  ].join('\n'));
  assert.throws(() => loadConfig({}, path), (error: ConfigError) => {
    assert.equal(error.code, 'VIGIL_ERR_CONFIG_INVALID');
    const expected = [
      'dat_dir: unknown key; did you mean data_dir?',
      'webhooks.tokne: unknown key; did you mean token?',
      'listen.http_prot: unknown key; did you mean http_port?',
      'listen.syslog_tcp_port: expected an integer from 0 to 65535 or "off", got "eighty"',
      'listen.tls.crt: unknown key; did you mean cert?',
      'listen.allow_cidrs.htp: unknown key; did you mean http?',
      'listen.rate_limit.burts: unknown key; did you mean burst?',
      'redis.ulr: unknown key; did you mean url?',
      'batch.max_event: unknown key; did you mean max_events?',
      'process.thread: unknown key; did you mean threads?',
      'delivery.max_attempt: unknown key; did you mean max_attempts?',
      'jobs.lock: unknown key; did you mean lock_ms?',
      'labels.cluster: unknown key; did you mean clusters?',
      'backpressure.high_watermark: unknown key; did you mean high_watermark_jobs?',
      'role: expected one of "all", "ingest", "process", "deliver", got "ingets"; did you mean ingest?',
      'sinks.elasticsearh: no such sink; did you mean elasticsearch?',
      'sinks.loki.max_attemps: unknown key; did you mean max_attempts?',
      'sinks.loki.tls.reject_unauthorised: unknown key; did you mean reject_unauthorized?',
    ];
    for (const line of expected) assert.ok(error.problems.some((p) => p.startsWith(line)), `${line}\nnot in:\n${error.message}`);
    assert.equal(error.problems.length, expected.length, error.message);
    return true;
  });
});

test('a wrong value says what was expected and what came, but never echoes a secret', () => {
  const path = file('types.yaml', 'listen: {http_port: eighty, host: 7}\nwebhooks: {token: 123456789}\nbatch: {max_events: 1.5}\n');
  assert.throws(() => loadConfig({}, path), (error: ConfigError) => {
    assert.deepEqual(error.problems.sort(), [
      'batch.max_events: expected an integer, got 1.5',
      'listen.host: expected a string, got 7',
      'listen.http_port: expected an integer from 0 to 65535 or "off", got "eighty"',
      'webhooks.token: expected a string, got a number (value not shown)',
    ]);
    assert.doesNotMatch(error.message, /123456789/);
    return true;
  });
});

test('${VAR} in values is replaced from the environment, with :- defaults; $${ is a literal', () => {
  const path = file('vars.yaml', [
    'listen:',
    '  http_port: ${HTTP_PORT}',
    '  syslog_udp_port: ${UDP_PORT:-off}',
    '  host: "${HOST:-127.0.0.1}"',
    'webhooks: {token: "${TOKEN}"}',
    'redis: {url: "redis://${REDIS_HOST}:6379/0", prefix: "a$${b}"}',
    'sinks:',
    '  splunk-hec: {url: "https://splunk:8088", token: "${HEC_TOKEN}"}',
    '',
  ].join('\n'));
  const config = loadConfig({ HTTP_PORT: '9090', TOKEN: 'tok: en #1', REDIS_HOST: 'r1', HEC_TOKEN: '12345', HOST: '' }, path);
  assert.equal(config.listen.http_port, 9090, 'an unquoted reference reads as YAML: a number');
  assert.equal(config.listen.syslog_udp_port, null, 'default off');
  assert.equal(config.listen.host, '127.0.0.1', 'an empty variable takes the default');
  assert.equal(config.webhooks.token, 'tok: en #1', 'a value cannot add YAML structure or comments');
  assert.equal(config.redis.url, 'redis://r1:6379/0');
  assert.equal(config.redis.prefix, 'a${b}');
  assert.equal(config.sinks['splunk-hec']!.token, '12345', 'a quoted reference stays a string');
});

test('${VAR} that is unset or not a variable reference is an error naming it, never taken literally', () => {
  const path = file('bad-vars.yaml', [
    'webhooks: {token: "${from VIGIL_WEBHOOK_TOKEN}"}',
    'redis: {url: "${REDIS_URL_UNSET}", prefix: "${broken"}',
    'sinks:',
    '  splunk-hec: {url: "https://splunk:8088", token: "${from VIGIL_SPLUNK_HEC_TOKEN}"}',
    '',
  ].join('\n'));
  assert.throws(() => loadConfig({}, path), (error: ConfigError) => {
    assert.equal(error.code, 'VIGIL_ERR_CONFIG_INVALID');
    assert.deepEqual(error.problems, [
      'webhooks.token: ${from VIGIL_WEBHOOK_TOKEN} is not a variable reference; write ${NAME} or ${NAME:-default} (NAME: letters, digits, _)',
      'redis.url: ${REDIS_URL_UNSET}: the environment variable REDIS_URL_UNSET is not set (set it, or write ${REDIS_URL_UNSET:-default})',
      'redis.prefix: "${broken" has a ${ without its closing }; write ${NAME}, ${NAME:-default}, or $${ for a literal ${',
      'sinks.splunk-hec.token: ${from VIGIL_SPLUNK_HEC_TOKEN} is not a variable reference; write ${NAME} or ${NAME:-default} (NAME: letters, digits, _)',
    ]);
    return true;
  });
});
