import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { elasticsearch } from '../../../../src/sinks/elasticsearch/index.ts';
import { TEMPLATE_VERSION } from '../../../../src/sinks/elasticsearch/template.ts';
import { templatePatterns } from '../../../../src/sinks/elasticsearch/data-stream.ts';
import type { Outcome, Sink } from '../../../../src/sinks/kit/types.ts';
import { assertOneDataStreamPerDataset, ElasticsearchDouble } from '../../../support/doubles/elasticsearch.ts';
import type { RecordedRequest } from '../../../support/doubles/http-double.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';

const sinks: Sink[] = [];
let es: ElasticsearchDouble;

function sinkFor(double: ElasticsearchDouble, overrides: Record<string, unknown> = {}): Sink {
  const sink = elasticsearch.create(elasticsearch.schema.parse({ url: double.url, ...overrides }), { logger: silentLogger, dataDir: '' });
  sinks.push(sink);
  return sink;
}

function bulkRequests(double: ElasticsearchDouble): RecordedRequest[] {
  return double.requests.filter((request) => request.path.endsWith('/_bulk'));
}

/** The _id of every action line of a recorded bulk body. */
function idsIn(request: RecordedRequest): string[] {
  const actions = request.body.split('\n').filter((line, i) => i % 2 === 0 && line !== '');
  return actions.map((line) => (Object.values(JSON.parse(line))[0] as { _id: string })._id);
}

function kinds(outcomes: Outcome[]): string[] {
  return outcomes.map((outcome) => (outcome.kind === 'ok' ? 'ok' : `${outcome.kind}:${outcome.reason}`));
}

before(async () => {
  es = await ElasticsearchDouble.start();
});
beforeEach(() => es.reset());
after(async () => {
  await Promise.all(sinks.map((sink) => sink.close?.()));
  await es.close();
});

test('installs the vigil-events template at start and leaves it alone on the next start', async () => {
  const double = await ElasticsearchDouble.start();
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
    assert.equal(template.priority, 250);
    assert.equal(template._meta.vigil_template_version, TEMPLATE_VERSION);
    const properties = template.template.mappings.properties;
    assert.equal(properties['@timestamp'].type, 'date_nanos');
    assert.deepEqual(properties.event.properties.original, { type: 'keyword', index: false, doc_values: false });
    assert.equal(properties.event.properties.severity.type, 'long');
    assert.equal(properties.source.properties.ip.type, 'ip');
    assert.equal(properties.falco.properties.output_fields.type, 'flattened');
    assert.equal(properties.alertmanager.properties.labels.type, 'flattened');
    assert.equal(properties.kubernetes.properties.audit.properties.requestObject.type, 'flattened');
  } finally {
    await double.close();
  }
});

test('upgrades a template an older vigil installed', async () => {
  const double = await ElasticsearchDouble.start();
  try {
    const old = { index_patterns: ['logs-vigil.events-*'], data_stream: {}, priority: 250, _meta: { vigil_template_version: TEMPLATE_VERSION - 1 } };
    await fetch(`${double.url}/_index_template/vigil-events`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(old) });
    await sinkFor(double).start!();
    assert.equal((double.template('vigil-events') as any)._meta.vigil_template_version, TEMPLATE_VERSION);
  } finally {
    await double.close();
  }
});

test('writes every fixture event once into the data stream, source byte for byte, gzipped when asked', async () => {
  const sink = sinkFor(es, { compression: true });
  await sink.start!();
  const events = fixtureEvents();
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
  assertOneDataStreamPerDataset(es, events);
  assert.deepEqual(bulkRequests(es).map((r) => `${r.method} ${r.path}`), ['POST /_bulk']);
  assert.equal(bulkRequests(es)[0]!.headers['content-encoding'], 'gzip');
});

test('sends plain media types, so an 8.x server accepts the 9.x client', async () => {
  const v8 = await ElasticsearchDouble.start({ major: 8 });
  try {
    const sink = sinkFor(v8);
    await sink.start!();
    assert.deepEqual(kinds(await sink.send(generatedEvents(2))), ['ok', 'ok']);
    for (const request of v8.requests) {
      assert.equal(request.headers.accept, 'application/json', `${request.method} ${request.path}`);
      if (request.body) assert.match(String(request.headers['content-type']), /^application\/(json|x-ndjson)$/);
    }
    assert.equal(bulkRequests(v8)[0]!.headers['content-type'], 'application/x-ndjson');
  } finally {
    await v8.close();
  }
});

test('the stock 9.x client is refused by an 8.x server (why vigil changes the media types)', async () => {
  const v8 = await ElasticsearchDouble.start({ major: 8 });
  const stock = new Client({ node: v8.url, maxRetries: 0 });
  try {
    await assert.rejects(stock.bulk({ operations: [{ create: { _namespace: 'x', _id: '1' } }, { a: 1 }] }), (error: any) => {
      assert.equal(error.statusCode, 400);
      assert.equal(error.body.error.type, 'media_type_header_exception');
      return true;
    });
    assert.match(String(v8.requests[0]!.headers.accept), /compatible-with=9/);
  } finally {
    await stock.close();
    await v8.close();
  }
});

test('counts a redelivered batch as delivered: its 409s are successes and nothing is duplicated', async () => {
  const sink = sinkFor(es, { namespace: 'redelivery_test', template: { install: false } });
  const events = generatedEvents(4, { seed: 7 });
  es.dropNext(1, 'after'); // stored, but the answer is lost
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'retry:network'));
  assert.equal(es.inNamespace('redelivery_test').length, 4);
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
  assert.equal(es.inNamespace('redelivery_test').length, 4);
  assert.deepEqual(bulkRequests(es).map((r) => r.status), [0, 200]);
  assert.deepEqual(bulkRequests(es).map(idsIn), [events.map((e) => e.id), events.map((e) => e.id)]);
});

test('dead-letters the items Elasticsearch cannot map and retries only its 429 items', async () => {
  const sink = sinkFor(es, { namespace: 'partial_test', template: { install: false } });
  const events = generatedEvents(6, { seed: 3 });
  es.failItems((doc) => doc.id === events[1]!.id, 400);
  es.failItems((doc) => doc.id === events[4]!.id, 429);
  try {
    assert.deepEqual(kinds(await sink.send(events)), ['ok', 'dead:mapping_error', 'ok', 'ok', 'retry:rate_limited', 'ok']);
    assert.deepEqual(es.inNamespace('partial_test').map((d) => d.id).sort(), [0, 2, 3, 5].map((i) => events[i]!.id).sort());
  } finally {
    es.clearItemFaults();
  }
});

test('without the template, Falco fields that clash as object paths fail as mapping errors', async () => {
  const sink = sinkFor(es, { namespace: 'no_template', template: { install: false } });
  // A dataset vigil's template does not cover (other tests here installed it on this double).
  const [first, second] = fixtureEvents().map((event) => ({ ...event, dataset: 'untemplated' }));
  const outcomes = await sink.send([first!, second!]);
  assert.deepEqual(kinds(outcomes), ['ok', 'dead:mapping_error']);
  assert.match((outcomes[1] as { detail: string }).detail, /evt\.time/);
});

test('splits a batch the server refuses as too large, and dead-letters one event that alone is too large', async () => {
  const small = await ElasticsearchDouble.start({ maxContentLength: 3000 });
  try {
    const sink = sinkFor(small, { namespace: 'split_test', template: { install: false }, compression: false });
    const events = [...generatedEvents(12, { seed: 5 }), ...generatedEvents(1, { seed: 6, padding: 4000 })];
    const outcomes = await sink.send(events);
    assert.deepEqual(kinds(outcomes), [...events.slice(0, 12).map(() => 'ok'), 'dead:too_large']);
    const requests = bulkRequests(small);
    assert.equal(requests[0]!.status, 413, 'the whole batch was tried first');
    const accepted = requests.filter((r) => r.status === 200);
    assert.deepEqual(accepted.flatMap(idsIn), events.slice(0, 12).map((e) => e.id), 'each event accepted exactly once, in order');
    for (const request of accepted) assert.ok(Buffer.byteLength(request.body) <= 3000);
    assert.equal(small.inNamespace('split_test').length, 12);
  } finally {
    await small.close();
  }
});

test('cuts a batch into requests of at most max_bytes', async () => {
  const sink = sinkFor(es, { namespace: 'bytes_test', template: { install: false }, max_bytes: 2048 });
  const events = generatedEvents(20, { seed: 9 });
  assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
  const requests = bulkRequests(es);
  assert.ok(requests.length > 1);
  for (const request of requests) assert.ok(Buffer.byteLength(request.body) <= 2048);
  assert.deepEqual(requests.flatMap(idsIn), events.map((e) => e.id));
});

test('retries the batch with the server\'s Retry-After when the whole request gets 429', async () => {
  const sink = sinkFor(es, { namespace: 'throttle_test', template: { install: false } });
  es.failNext(1, 429, { retryAfter: 7 });
  const outcomes = await sink.send(generatedEvents(3));
  assert.deepEqual(outcomes.map((o) => o.kind === 'retry' && [o.reason, o.afterMs]), [['rate_limited', 7000], ['rate_limited', 7000], ['rate_limited', 7000]]);
  assert.equal(es.inNamespace('throttle_test').length, 0);
});

const transportFaults: Array<[string, (double: ElasticsearchDouble) => Promise<void> | void, Record<string, unknown>, string]> = [
  ['retries when the connection drops mid-request', (d) => d.dropNext(1), {}, 'retry:network'],
  ['retries a 503 from the cluster', (d) => d.failNext(1, 503), {}, 'retry:unavailable'],
  ['retries when the answer is later than timeout_ms', (d) => d.delay(2000), { timeout_ms: 100 }, 'retry:timeout'],
  ['dead-letters the batch when the request itself is malformed (400)', (d) => d.failNext(1, 400), {}, 'dead:bad_request'],
];
for (const [name, inject, overrides, expected] of transportFaults) {
  test(name, async () => {
    const sink = sinkFor(es, { namespace: 'fault_test', template: { install: false }, ...overrides });
    await inject(es);
    assert.deepEqual(kinds(await sink.send(generatedEvents(2))), [expected, expected]);
    es.delay(0);
  });
}

test('retries while the server is down and delivers once it is back on the same port', async () => {
  const double = await ElasticsearchDouble.start();
  try {
    const sink = sinkFor(double, { namespace: 'outage_test', template: { install: false } });
    const events = generatedEvents(3, { seed: 11 });
    await double.down();
    assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'retry:network'));
    await double.up();
    assert.deepEqual(kinds(await sink.send(events)), events.map(() => 'ok'));
    assert.equal(double.inNamespace('outage_test').length, 3);
  } finally {
    await double.close();
  }
});

test('authenticates with an API key, and halts (retry unauthorized) when the key is wrong', async () => {
  const secured = await ElasticsearchDouble.start({ auth: { apiKey: 'right-key' } });
  try {
    const good = sinkFor(secured, { namespace: 'auth_test', template: { install: false }, api_key: 'right-key' });
    const bad = sinkFor(secured, { namespace: 'auth_test', template: { install: false }, api_key: 'wrong-key' });
    assert.deepEqual(kinds(await good.send(generatedEvents(1))), ['ok']);
    assert.deepEqual(kinds(await bad.send(generatedEvents(1, { seed: 2 }))), ['retry:unauthorized']);
    assert.deepEqual(secured.requests.map((r) => r.headers.authorization), ['ApiKey right-key', 'ApiKey wrong-key']);
  } finally {
    await secured.close();
  }
});

test('start says the credentials were refused (401), with template.install on or off: it checks them before the first delivery', async () => {
  const secured = await ElasticsearchDouble.start({ auth: { apiKey: 'right-key' } });
  try {
    await assert.rejects(sinkFor(secured, { api_key: 'wrong-key' }).start!(), /Could not install the index template vigil-events \(HTTP 401\): the credentials were refused/);
    await assert.rejects(sinkFor(secured, { api_key: 'wrong-key', template: { install: false } }).start!(), /Could not read the index template vigil-events \(HTTP 401\): the credentials were refused/);
    await sinkFor(secured, { api_key: 'right-key', template: { install: false } }).start!();
    assert.equal(secured.template('vigil-events'), undefined, 'template.install: false installs nothing');
  } finally {
    await secured.close();
  }
});

test('builds the template on the stack components logs@settings and ecs@mappings, which a cluster may lack', async () => {
  for (const components of [['logs@settings', 'ecs@mappings'], []]) {
    const double = await ElasticsearchDouble.start({ componentTemplates: components });
    try {
      await sinkFor(double).start!();
      const template = double.template('vigil-events') as Record<string, any>;
      assert.deepEqual(template.composed_of, ['logs@settings', 'ecs@mappings']);
      assert.deepEqual(template.ignore_missing_component_templates, ['logs@settings', 'ecs@mappings']);
      assert.equal(template.template.lifecycle, undefined, 'no retention_days: the cluster\'s own lifecycle');
    } finally {
      await double.close();
    }
  }
});

test('retention_days becomes a data stream lifecycle that the logs ILM policy does not override', async () => {
  const double = await ElasticsearchDouble.start();
  try {
    await sinkFor(double, { retention_days: 30 }).start!();
    const template = double.template('vigil-events') as Record<string, any>;
    assert.deepEqual(template.template.lifecycle, { data_retention: '30d' });
    assert.equal(template.template.settings['index.lifecycle.prefer_ilm'], false);
    assert.throws(() => elasticsearch.schema.parse({ url: double.url, retention_days: 0 }), /retention_days/);
    // Started again: the same retention leaves the template alone, a changed one (or none) reinstalls it.
    for (const days of [30, 7, undefined]) await sinkFor(double, days === undefined ? {} : { retention_days: days }).start!();
    assert.deepEqual(double.requests.filter((r) => r.method === 'PUT').length, 3);
    assert.equal((double.template('vigil-events') as Record<string, any>).template.lifecycle, undefined);
  } finally {
    await double.close();
  }
});

test('a cluster that lacks wildcard, match_only_text or constant_keyword gets those fields as keyword or text, and a warning', async () => {
  const double = await ElasticsearchDouble.start({ lacksFieldTypes: ['wildcard', 'match_only_text', 'constant_keyword'] });
  const warnings: Array<Record<string, unknown>> = [];
  const logger = { ...silentLogger, warn: (fields: Record<string, unknown>) => warnings.push(fields) } as unknown as typeof silentLogger;
  try {
    const sink = elasticsearch.create(elasticsearch.schema.parse({ url: double.url }), { logger, dataDir: '' });
    sinks.push(sink);
    await sink.start!();
    const properties = (double.template('vigil-events') as Record<string, any>).template.mappings.properties;
    assert.deepEqual(properties.url.properties.original, { type: 'keyword' });
    assert.deepEqual(properties.message, { type: 'text' });
    assert.deepEqual(properties.data_stream.properties.dataset, { type: 'keyword' });
    assert.equal(properties.falco.properties.output_fields.type, 'flattened', 'types the cluster has stay');
    assert.deepEqual((warnings[0]?.types as string[]).sort(), ['constant_keyword', 'match_only_text', 'wildcard']);
    assert.equal(double.requests.filter((r) => r.method === 'PUT').length, 4, 'one refusal per missing type, then the install');
  } finally {
    await double.close();
  }
});

// An Elasticsearch-compatible proxy, or another product at the URL, answering what the API never does.
test('start says what came when GET /_index_template answers something else than the template list', async () => {
  const double = await ElasticsearchDouble.start();
  try {
    double.failNext(1, 200, { body: '{"templates":"none here"}', path: /_index_template/ });
    await assert.rejects(sinkFor(double).start!(), (error: Error) => {
      assert.match(error.message, /Could not install the index template vigil-events/);
      assert.match(error.message, /expected \{"index_templates":\[\{"name":…,"index_template":\{…\}\}\]\}, got \{"templates":"none here"\}/);
      assert.doesNotMatch(error.message, /Cannot read properties/);
      return true;
    });
  } finally {
    await double.close();
  }
});

test('start says what came when PUT /_index_template is not acknowledged', async () => {
  const double = await ElasticsearchDouble.start();
  try {
    // The GET finds no template (404); the PUT is answered with something else than an acknowledgement.
    double.failNext(1, 404, { path: /_index_template/ });
    double.failNext(1, 200, { body: '{"acknowledged":false}', path: /_index_template/ });
    await assert.rejects(sinkFor(double).start!(), /expected \{"acknowledged":true\}, got \{"acknowledged":false\}/);
  } finally {
    await double.close();
  }
});

test('retries a bulk answered 200 with something else than items, saying what came', async () => {
  const sink = sinkFor(es, { namespace: 'shape_test', template: { install: false } });
  es.failNext(1, 200, { body: '{"acknowledged":true}', path: /_bulk$/ });
  const outcomes = await sink.send(generatedEvents(2));
  assert.deepEqual(kinds(outcomes), ['retry:server_error', 'retry:server_error']);
  const detail = outcomes[0]!.kind === 'retry' ? outcomes[0]!.detail : '';
  assert.match(detail ?? '', /expected a bulk answer \{"items":\[…\]\} with 2 items, got \{"acknowledged":true\}/);
});

test('retries a bulk item of another shape, saying what came', async () => {
  const sink = sinkFor(es, { namespace: 'shape_test', template: { install: false } });
  es.failNext(1, 200, { body: '{"errors":false,"items":[{"create":{"status":201}},"fine"]}', path: /_bulk$/ });
  const outcomes = await sink.send(generatedEvents(2, { seed: 5 }));
  assert.deepEqual(kinds(outcomes), ['ok', 'retry:server_error']);
  assert.match(outcomes[1]!.kind === 'retry' ? outcomes[1]!.detail ?? '' : '', /expected bulk item 1 as .*, got "fine"/);
});
