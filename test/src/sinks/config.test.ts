import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinks } from '../../../src/sinks/index.ts';

const MiB = 1024 * 1024;

test('registers the five sinks by name', () => {
  assert.deepEqual(Object.keys(sinks).sort(), ['elasticsearch', 'file', 'loki', 'opensearch', 'splunk-hec']);
});

for (const [name, url] of [['elasticsearch', 'https://es.example.com:9200'], ['opensearch', 'https://opensearch.example.com:9200']] as const) {
  test(`defaults the ${name} sink to the default namespace, no gzip (as the official client), 5 MiB requests and the template`, () => {
    const config = sinks[name]!.schema.parse({ url });
    assert.equal(config.namespace, 'default');
    assert.equal(config.compression, false);
    assert.equal(config.max_bytes, 5 * MiB);
    assert.deepEqual(config.template, { install: true, name: 'vigil-events' });
    assert.deepEqual(config.tls, { reject_unauthorized: true });
  });
}

test('defaults Splunk HEC to source vigil, 1 MiB requests, no gzip and no ack', () => {
  const config = sinks['splunk-hec']!.schema.parse({ url: 'https://splunk.example.com:8088', token: 't' });
  assert.equal(config.source, 'vigil');
  assert.equal(config.max_bytes, 1 * MiB);
  assert.equal(config.compression, false);
  assert.equal(config.ack.enabled, false);
});

test('defaults Loki to 1 MiB pushes with structured metadata and no static labels', () => {
  const config = sinks.loki!.schema.parse({ url: 'http://loki:3100' });
  assert.equal(config.max_bytes, 1 * MiB);
  assert.equal(config.structured_metadata, true);
  assert.deepEqual(config.labels, {});
});

const invalid: Array<[string, string, unknown, RegExp]> = [
  ['an Elasticsearch URL that is not http(s)', 'elasticsearch', { url: 'ftp://es' }, /url/i],
  ['both an API key and a username', 'elasticsearch', { url: 'http://es:9200', api_key: 'k', username: 'u', password: 'p' }, /either api_key/],
  ['a username without a password', 'elasticsearch', { url: 'http://es:9200', username: 'u' }, /password/],
  ['a namespace with a dash (it separates the data stream name\'s parts)', 'elasticsearch', { url: 'http://es:9200', namespace: 'prod-eu' }, /no -/],
  ['an unknown Elasticsearch key (typo)', 'elasticsearch', { url: 'http://es:9200', compresion: false }, /compresion/],
  ['an Elasticsearch API key on OpenSearch (it has none)', 'opensearch', { url: 'http://os:9200', api_key: 'k' }, /api_key/],
  ['an OpenSearch username without a password', 'opensearch', { url: 'http://os:9200', username: 'u' }, /password/],
  ['an uppercase OpenSearch namespace', 'opensearch', { url: 'http://os:9200', namespace: 'Prod' }, /lowercase/],
  ['a HEC ack channel that is not a GUID', 'splunk-hec', { url: 'http://s:8088', token: 't', ack: { enabled: true, channel: 'abc' } }, /GUID/],
  ['a HEC sink without a token', 'splunk-hec', { url: 'http://s:8088' }, /token/],
  ['more static Loki labels than Loki allows beside vigil\'s', 'loki', { url: 'http://l:3100', labels: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`l${i}`, 'v'])) }, /at most 9/],
  ['Loki basic auth and a bearer token together', 'loki', { url: 'http://l:3100', bearer_token: 't', basic_auth: { username: 'u', password: 'p' } }, /either basic_auth/],
];
for (const [name, sink, input, message] of invalid) {
  test(`refuses ${name}`, () => {
    const result = sinks[sink]!.schema.safeParse(input);
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), message);
  });
}
