import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.ts';
import { configFingerprint } from '../../../src/config/fingerprint.ts';

const config = (extra: Record<string, unknown>) => configSchema.parse({ sinks: { loki: { url: 'http://loki:3100' } }, ...extra });

test('the config fingerprint: the same for nodes configured alike, whatever their role, listeners or secrets; another for another pipeline setting', () => {
  const base = configFingerprint(config({}));
  assert.match(base, /^[0-9a-f]{16}$/);
  assert.equal(configFingerprint(config({ role: 'deliver', data_dir: '/elsewhere', listen: { http_port: 'off' } })), base, 'role, listeners and data dir differ by design');
  assert.equal(configFingerprint(config({ redis: { password: 'secret-one' }, webhooks: { token: 'token-one' } })), configFingerprint(config({ redis: { password: 'secret-two' }, webhooks: { token: 'token-two' } })), 'secrets do not count');
  assert.equal(configFingerprint(config({ redis: { url: 'redis://:one@redis:6379' } })), configFingerprint(config({ redis: { url: 'redis://:two@redis:6379' } })), 'a URL\'s password does not count');
  assert.notEqual(configFingerprint(config({ redis: { url: 'redis://:one@redis:6379' } })), configFingerprint(config({ redis: { url: 'redis://:one@other:6379' } })));
  assert.notEqual(configFingerprint(config({ batch: { max_events: 500 } })), base);
  assert.notEqual(configFingerprint(config({ sinks: { loki: { url: 'http://loki:3100' }, file: {} } })), base);
});
