import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ElasticsearchDouble } from '../../../support/doubles/elasticsearch.ts';

const sample = readFileSync(new URL('../../../../fixtures/sinks/elasticsearch/bulk-request-create.ndjson', import.meta.url), 'utf8');
let es: ElasticsearchDouble;

async function bulk(body: string, headers: Record<string, string> = { 'content-type': 'application/x-ndjson' }) {
  const response = await fetch(`${es.url}/_bulk`, { method: 'POST', headers, body });
  return { status: response.status, product: response.headers.get('x-elastic-product'), body: (await response.json()) as any };
}

before(async () => {
  es = await ElasticsearchDouble.start({ major: 9 });
});
after(async () => {
  await es.close();
});

test('the Elasticsearch double accepts the recorded bulk sample and names itself Elasticsearch', async () => {
  const reply = await bulk(sample);
  assert.equal(reply.status, 200);
  assert.equal(reply.product, 'Elasticsearch');
  assert.equal(reply.body.errors, false);
  assert.deepEqual(reply.body.items.map((item: any) => item.create.status), [201, 201]);
  assert.equal(es.documents('logs-falco.alerts-default').length, 2);
});

test('the Elasticsearch double answers 409 to a create whose _id exists', async () => {
  const reply = await bulk(sample);
  assert.equal(reply.body.errors, true);
  assert.deepEqual(reply.body.items.map((item: any) => [item.create.status, item.create.error.type]), [
    [409, 'version_conflict_engine_exception'],
    [409, 'version_conflict_engine_exception'],
  ]);
});

test('the Elasticsearch double refuses a bulk body without its final newline', async () => {
  const reply = await bulk(sample.trimEnd());
  assert.equal(reply.status, 400);
  assert.match(reply.body.error.reason, /terminated by a newline/);
});

test('the Elasticsearch double refuses an unknown content type with 406', async () => {
  assert.equal((await bulk(sample, { 'content-type': 'text/plain' })).status, 406);
});

test('the Elasticsearch double refuses a compatible-with on one header only', async () => {
  const reply = await bulk(sample, { 'content-type': 'application/vnd.elasticsearch+x-ndjson; compatible-with=9', accept: 'application/json' });
  assert.equal(reply.status, 400);
  assert.equal(reply.body.error.type, 'media_type_header_exception');
});

test('the Elasticsearch double takes compatible-with=8 on a 9.x server', async () => {
  const v8 = 'application/vnd.elasticsearch+x-ndjson; compatible-with=8';
  const reply = await bulk('{"create":{"_index":"compat","_id":"1"}}\n{"a":1}\n', { 'content-type': v8, accept: 'application/vnd.elasticsearch+json; compatible-with=8' });
  assert.equal(reply.status, 200);
});

test('the Elasticsearch double allows only create on a data stream and needs @timestamp there', async () => {
  await fetch(`${es.url}/_index_template/ds`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ index_patterns: ['logs-ds-*'], data_stream: {} }),
  });
  const reply = await bulk('{"index":{"_index":"logs-ds-x","_id":"1"}}\n{"@timestamp":"2025-01-01T00:00:00Z"}\n{"create":{"_index":"logs-ds-x","_id":"2"}}\n{"a":1}\n');
  assert.deepEqual(reply.body.items.map((item: any) => Object.values(item)[0]).map((item: any) => [item.status, item.error.reason]), [
    [400, 'only write ops with an op_type of create are allowed in data streams'],
    [400, '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing'],
  ]);
});

test('the Elasticsearch double refuses empty field names, as NeuVector user_roles maps would need', async () => {
  const reply = await bulk('{"create":{"_index":"roles","_id":"1"}}\n{"neuvector":{"user_roles":{"":"admin"}}}\n');
  assert.equal(reply.body.items[0].create.status, 400);
  assert.equal(reply.body.items[0].create.error.type, 'document_parsing_exception');
});
