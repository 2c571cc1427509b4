import assert from 'node:assert/strict';
import { templatePatterns } from '../../../../src/sinks/elasticsearch/data-stream.ts';
import { after, before, beforeEach, test } from 'node:test';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { elasticsearch } from '../../../../src/sinks/elasticsearch/index.ts';
import { indexTemplate, TEMPLATE_VERSION } from '../../../../src/sinks/elasticsearch/template.ts';
import type { Outcome, Sink } from '../../../../src/sinks/kit/types.ts';
import { opensearch } from '../../../../src/sinks/elasticsearch/opensearch.ts';
import { assertOneDataStreamPerDataset, ElasticsearchDouble } from '../../../support/doubles/elasticsearch.ts';
import type { RecordedRequest } from '../../../support/doubles/http-double.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';

// The sink against the strict double in OpenSearch mode; test/integration/opensearch.test.ts runs
// vigil against a real OpenSearch node.

const sinks: Sink[] = [];
let os: ElasticsearchDouble;

function sinkFor(double: ElasticsearchDouble, overrides: Record<string, unknown> = {}): Sink {
  const sink = opensearch.create(opensearch.schema.parse({ url: double.url, ...overrides }), { logger: silentLogger, dataDir: '' });
  sinks.push(sink);
  return sink;
}

const bulkRequests = (double: ElasticsearchDouble): RecordedRequest[] => double.requests.filter((r) => r.path.endsWith('/_bulk'));

function kinds(outcomes: Outcome[]): string[] {
  return outcomes.map((outcome) => (outcome.kind === 'ok' ? 'ok' : `${outcome.kind}:${outcome.reason}`));
}

before(async () => {
  os = await ElasticsearchDouble.start({ product: 'opensearch' });
});
beforeEach(() => os.reset());
after(async () => {
  await Promise.all(sinks.map((sink) => sink.close?.()));
  await os.close();
});

test('the Elasticsearch sink cannot talk to OpenSearch: its client refuses a server without x-elastic-product', async () => {
  const double = await ElasticsearchDouble.start({ product: 'opensearch' });
  const sink = elasticsearch.create(elasticsearch.schema.parse({ url: double.url, namespace: 'x', template: { install: false } }), { logger: silentLogger, dataDir: '' });
  try {
    const outcomes = await sink.send(generatedEvents(1));
    assert.deepEqual(kinds(outcomes), ['retry:unauthorized']);
    assert.match((outcomes[0] as { detail: string }).detail, /not Elasticsearch|unknown product/i);
    assert.equal(double.inNamespace('x').length, 1, 'the node stored it; the client threw the answer away');
  } finally {
    await sink.close?.();
    await double.close();
  }
});

test('an OpenSearch node refuses the Elasticsearch template as it is', async () => {
  const reply = await fetch(`${os.url}/_index_template/es-dialect`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(indexTemplate(['es-dialect-*'])),
  });
  assert.equal(reply.status, 400);
  assert.match(await reply.text(), /No handler for type \[flattened\]|missing required parameter \[value\]/);
});

test('installs the template in OpenSearch\'s dialect at start, and leaves it alone on the next start', async () => {
  const double = await ElasticsearchDouble.start({ product: 'opensearch' });
  try {
    await sinkFor(double).start!();
    await sinkFor(double).start!();
    assert.deepEqual(double.requests.map((r) => `${r.method} ${r.path} ${r.status}`), [
      'GET /_index_template/vigil-events 404',
      'PUT /_index_template/vigil-events 200',
      'GET /_index_template/vigil-events 200',
    ]);
    const template = double.template('vigil-events') as Record<string, any>;
    assert.deepEqual(template.index_patterns, templatePatterns());
    assert.deepEqual(template.data_stream, {});
    assert.equal(template._meta.vigil_template_version, TEMPLATE_VERSION);
    const properties = template.template.mappings.properties;
    assert.deepEqual(properties.falco.properties.output_fields, { type: 'flat_object' });
    assert.deepEqual(properties.kubernetes.properties.audit.properties.requestObject, { type: 'flat_object' });
    assert.equal(properties.data_stream.properties.namespace.type, 'keyword');
    assert.equal(properties['@timestamp'].type, 'date_nanos');
    assert.equal(properties.message.type, 'match_only_text');
  } finally {
    await double.close();
  }
});

test('writes every fixture event once into the data stream with plain media types, gzipped when asked', async () => {
  const sink = sinkFor(os, { compression: true });
  await sink.start!();
  const events = fixtureEvents();
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
  assertOneDataStreamPerDataset(os, events);
  const [request] = bulkRequests(os);
  assert.equal(request!.path, '/_bulk');
  assert.equal(request!.headers['content-type'], 'application/x-ndjson');
  assert.equal(request!.headers['content-encoding'], 'gzip');
});

test('counts a redelivered batch as delivered: its 409s are successes and nothing is duplicated', async () => {
  const sink = sinkFor(os, { namespace: 'redelivery_test', template: { install: false } });
  const events = generatedEvents(4, { seed: 7 });
  os.dropNext(1, 'after'); // stored, but the answer is lost
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'retry:network'));
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
  assert.equal(os.inNamespace('redelivery_test').length, 4);
  assert.deepEqual(bulkRequests(os).map((r) => r.status), [0, 200]);
});

test('dead-letters the items OpenSearch cannot map (mapper_parsing_exception) and retries only its 429 items', async () => {
  const sink = sinkFor(os, { namespace: 'partial_test', template: { install: false } });
  const events = generatedEvents(6, { seed: 3 });
  os.failItems((doc) => doc.id === events[1]!.id, 400);
  os.failItems((doc) => doc.id === events[4]!.id, 429);
  try {
    const outcomes = await sink.send(events);
    assert.deepEqual(kinds(outcomes), ['ok', 'dead:mapping_error', 'ok', 'ok', 'retry:rate_limited', 'ok']);
    assert.match((outcomes[1] as { detail: string }).detail, /^400 mapper_parsing_exception/);
    assert.deepEqual(os.inNamespace('partial_test').map((d) => d.id).sort(), [0, 2, 3, 5].map((i) => events[i]!.id).sort());
  } finally {
    os.clearItemFaults();
  }
});

test('retries the batch with the server\'s Retry-After when the whole request gets 429', async () => {
  const sink = sinkFor(os, { namespace: 'throttle_test', template: { install: false } });
  os.failNext(1, 429, { retryAfter: 7 });
  const outcomes = await sink.send(generatedEvents(3));
  assert.deepEqual(outcomes.map((o) => o.kind === 'retry' && [o.reason, o.afterMs]), [['rate_limited', 7000], ['rate_limited', 7000], ['rate_limited', 7000]]);
});

test('splits a batch the node refuses as too large', async () => {
  const small = await ElasticsearchDouble.start({ product: 'opensearch', maxContentLength: 4096 });
  try {
    const sink = sinkFor(small, { namespace: 'split_test', template: { install: false } });
    const events = generatedEvents(8, { seed: 5, padding: 800 });
    assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
    assert.equal(small.inNamespace('split_test').length, 8);
    assert.ok(bulkRequests(small).some((r) => r.status === 413), 'the node refused the whole batch first');
  } finally {
    await small.close();
  }
});

const transportFaults: Array<[string, (double: ElasticsearchDouble) => void, Record<string, unknown>, string]> = [
  ['retries when the connection drops mid-request', (d) => d.dropNext(1), {}, 'retry:network'],
  ['retries a 503 from the cluster', (d) => d.failNext(1, 503), {}, 'retry:unavailable'],
  ['retries when the answer is later than timeout_ms', (d) => d.delay(2000), { timeout_ms: 100 }, 'retry:timeout'],
  ['dead-letters the batch when the request itself is malformed (400)', (d) => d.failNext(1, 400), {}, 'dead:bad_request'],
  ['retries a 200 whose body is not JSON (a proxy page)', (d) => d.failNext(1, 200, { body: '<html>login</html>' }), {}, 'retry:server_error'],
];
for (const [name, inject, overrides, expected] of transportFaults) {
  test(name, async () => {
    const sink = sinkFor(os, { namespace: 'fault_test', template: { install: false }, ...overrides });
    inject(os);
    assert.deepEqual(kinds(await sink.send(generatedEvents(2))), [expected, expected]);
    os.delay(0);
  });
}

test('authenticates with basic auth, halts (retry unauthorized) on wrong credentials, and start says why', async () => {
  const secured = await ElasticsearchDouble.start({ product: 'opensearch', auth: { username: 'vigil', password: 'right' } });
  try {
    const good = sinkFor(secured, { namespace: 'auth_test', template: { install: false }, username: 'vigil', password: 'right' });
    const bad = sinkFor(secured, { namespace: 'auth_test', template: { install: false }, username: 'vigil', password: 'wrong' });
    assert.deepEqual(kinds(await good.send(generatedEvents(1))), ['ok']);
    assert.deepEqual(kinds(await bad.send(generatedEvents(1, { seed: 2 }))), ['retry:unauthorized']);
    await assert.rejects(sinkFor(secured, { username: 'vigil', password: 'wrong' }).start!(), /HTTP 401\): the credentials were refused/);
  } finally {
    await secured.close();
  }
});

test('reaches a cluster behind a path prefix', async () => {
  const sink = sinkFor(os, { url: `${os.url}/`, namespace: 'prefix_test', template: { install: false } });
  assert.deepEqual(kinds(await sink.send(generatedEvents(1))), ['ok']);
  assert.equal(bulkRequests(os)[0]!.path, '/_bulk');
});

test('start says what came when GET /_index_template answers something else than the template list', async () => {
  const double = await ElasticsearchDouble.start({ product: 'opensearch' });
  try {
    double.failNext(1, 200, { body: '{"index_templates":{"vigil-events":{}}}', path: /_index_template/ });
    await assert.rejects(sinkFor(double).start!(), (error: Error) => {
      assert.match(error.message, /expected \{"index_templates":\[\{"name":…,"index_template":\{…\}\}\]\}, got \{"index_templates":\{"vigil-events":\{\}\}\}/);
      assert.doesNotMatch(error.message, /is not a function|Cannot read properties/);
      return true;
    });
  } finally {
    await double.close();
  }
});

test('retries a bulk answered 200 with JSON that holds no items, saying what came', async () => {
  const sink = sinkFor(os, { namespace: 'shape_test', template: { install: false } });
  os.failNext(1, 200, { body: '{"status":"ok"}', path: /_bulk$/ });
  const outcomes = await sink.send(generatedEvents(2));
  assert.deepEqual(kinds(outcomes), ['retry:server_error', 'retry:server_error']);
  assert.match(outcomes[0]!.kind === 'retry' ? outcomes[0]!.detail ?? '' : '', /expected a bulk answer \{"items":\[…\]\} with 2 items, got \{"status":"ok"\}/);
});

test('retention_days installs an ISM policy for the template\'s data streams, updates it when the days change, and warns where ISM is missing', async () => {
  const withIsm = await ElasticsearchDouble.start({ product: 'opensearch', ism: true });
  const bare = await ElasticsearchDouble.start({ product: 'opensearch' });
  const warnings: string[] = [];
  const logger = { ...silentLogger, warn: (_fields: unknown, msg: string) => warnings.push(msg) } as unknown as typeof silentLogger;
  const start = (double: ElasticsearchDouble, days: number) => {
    const sink = opensearch.create(opensearch.schema.parse({ url: double.url, retention_days: days }), { logger, dataDir: '' });
    sinks.push(sink);
    return sink.start!();
  };
  try {
    await start(withIsm, 30);
    const policy = withIsm.ismPolicy('vigil-events') as Record<string, any>;
    assert.deepEqual(policy.ism_template, [{ index_patterns: templatePatterns(), priority: 100 }]);
    assert.deepEqual(policy.states.map((state: { name: string }) => state.name), ['hot', 'delete']);
    assert.deepEqual(policy.states[0].transitions, [{ state_name: 'delete', conditions: { min_index_age: '30d' } }]);
    assert.deepEqual(policy.states[1].actions, [{ delete: {} }]);

    await start(withIsm, 30);
    await start(withIsm, 7);
    const puts = withIsm.requests.filter((r) => r.method === 'PUT' && r.path.startsWith('/_plugins/_ism/'));
    assert.equal(puts.length, 2, 'the same retention leaves the policy alone');
    assert.equal(puts[1]!.query.get('if_seq_no'), '0', 'the update names the version it replaces');
    assert.deepEqual((withIsm.ismPolicy('vigil-events') as Record<string, any>).states[0].transitions[0].conditions, { min_index_age: '7d' });
    assert.deepEqual(warnings, []);

    // A refused policy (the user lacks the ISM permissions) is an error in the log, not a failed setup.
    const errors: string[] = [];
    withIsm.failNext(1, 403, { path: /_ism/ });
    const refused = opensearch.create(opensearch.schema.parse({ url: withIsm.url, retention_days: 5 }),
      { logger: { ...logger, error: (_fields: unknown, msg: string) => errors.push(msg) } as unknown as typeof silentLogger, dataDir: '' });
    sinks.push(refused);
    await refused.start!();
    assert.match(errors[0] ?? '', /Could not install the OpenSearch retention policy/);

    await start(bare, 30);
    assert.match(warnings[0] ?? '', /no Index State Management plugin: retention_days is not applied/);
    assert.equal((bare.template('vigil-events') as Record<string, any>)?._meta.vigil_template_version, TEMPLATE_VERSION, 'the template is installed all the same');
  } finally {
    await withIsm.close();
    await bare.close();
  }
});
