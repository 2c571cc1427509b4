import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { DeadLetterQueue } from '../../src/pipeline/dlq.ts';
import { keyLayout } from '../../src/pipeline/queues.ts';
import { TEMPLATE_VERSION } from '../../src/sinks/elasticsearch/template.ts';
import type { SinkFactory } from '../../src/sinks/index.ts';
import { sinkEventFromJson } from './doubles/sink-events.ts';
import { waitFor } from './memory-sink.ts';
import { startTestRedis } from './redis.ts';
import { searchNodeUnavailable, startSearchNode, type SearchProduct, type TestSearchNode } from './search-node.ts';
import { post, sendOneOfEach } from './senders.ts';
import { spawnVigil, type SpawnedVigil } from './vigil.ts';

/** vigil's data streams, whichever datasets and namespaces they are for. */
const DATA_STREAMS = 'logs-*';

interface Hit {
  _id: string;
  _index: string;
  _source: { event?: { id?: string; dataset?: string; ingested?: string }; data_stream?: { type: string; dataset: string; namespace: string } };
}

export interface DeliveryScenario {
  /** The registry name of the sink under test: `elasticsearch`, `opensearch`. */
  sink: string;
  factory: SinkFactory<never>;
  /** The environment variable that points vigil's sink at the node. */
  urlEnv: string;
  node: TestSearchNode;
  /** More vigil configuration: YAML lines under `sinks:` (the node's URL comes from `urlEnv`). */
  sinks?: string;
  /** More checks while vigil still runs: its logs, its /readyz. */
  also?(vigil: SpawnedVigil, search: (path: string, body?: unknown) => Promise<{ status: number; text: string }>): Promise<void>;
}

/**
 * A test against a real node of `product`, started for it and stopped after; skipped, saying
 * why, where no node can start (no JDK or Maven).
 */
export function testAgainstNode(product: SearchProduct, name: string, run: (t: TestContext, node: TestSearchNode) => Promise<void>): void {
  const unavailable = searchNodeUnavailable();
  test(name, { skip: unavailable ? `SKIPPED, not passed: ${unavailable}` : false }, async (t) => {
    const began = Date.now();
    const node = await startSearchNode(product);
    t.after(() => node.stop());
    t.diagnostic(`${product} node ready in ${node.startupMs} ms`);
    await run(t, node);
    t.diagnostic(`whole test ${Date.now() - began} ms`);
  });
}

/**
 * vigil, started as `npm start` does, against a real search node: every kind of event stored
 * exactly once with its event id as `_id`; a batch re-sent (as after a crash between the bulk and
 * its acknowledgement in Redis) answered 409 per item, counted as delivered, storing no copy; an
 * event that contradicts the mapping dead-lettered while its neighbour in the same batch is
 * delivered; the index template installed; one data stream per dataset, as the node lists them.
 */
export async function deliveryScenario(t: TestContext, scenario: DeliveryScenario): Promise<void> {
  const { node, sink: name } = scenario;
  const redis = await startTestRedis();
  t.after(() => redis.destroy());
  const vigil = await spawnVigil(
    { REDIS_URL: redis.url, [scenario.urlEnv]: node.url },
    `delivery:\n  initial_backoff_ms: 50\n  max_backoff_ms: 300\n${scenario.sinks ? `sinks:\n${scenario.sinks}` : ''}`,
  );
  const search = async (path: string, body?: unknown) => {
    const reply = await fetch(`${node.url}/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: reply.status, text: await reply.text() };
  };
  /** Every stored event; while waiting (`settled` false) a data stream still being created reads as empty. */
  const allHits = async (settled = true): Promise<{ hits: Hit[]; raw: string }> => {
    if (!settled) await new Promise((r) => setTimeout(r, 200)); // poll gently: a busy machine runs the node
    await search(`${DATA_STREAMS}/_refresh`, {});
    const { status, text } = await search(`${DATA_STREAMS}/_search`, { size: 1000, query: { match_all: {} } });
    if (!settled && status !== 200) return { hits: [], raw: '' };
    assert.equal(status, 200, `search answered ${status}: ${text}`);
    return { hits: (JSON.parse(text) as { hits: { hits: Hit[] } }).hits.hits, raw: text };
  };
  try {
    await scenario.also?.(vigil, search);
    // The json event maps json.attempts as a number in the data stream (dynamic mapping).
    const first = await sendOneOfEach(vigil, '{"message":"probe first","attempts":3,"source_ip":"198.51.100.77"}');
    const http = vigil.port('http');
    await waitFor(async () => (await allHits(false)).hits.length >= first, 90_000, `${first} events in ${name}`);

    // One request, one batch: an event whose field contradicts the mapping beside one that fits.
    const conflict = await post(http, '/ingest/json',
      '{"message":"probe conflict","attempts":"many"}\n{"message":"probe after","attempts":4}\n', 'application/x-ndjson');
    assert.equal(conflict.status, 200);
    const dlq = new DeadLetterQueue(redis.client(), keyLayout('vigil'));
    await waitFor(async () => (await dlq.size(name)) >= 1 && (await allHits(false)).hits.length >= first + 1, 60_000,
      'the conflict dead-lettered and its neighbour delivered');
    await new Promise((r) => setTimeout(r, 1000));

    const { hits, raw } = await allHits();
    const ids = hits.map((hit) => hit._id);
    assert.equal(hits.length, first + 1, `${name} holds ${hits.length} events`);
    assert.equal(new Set(ids).size, hits.length, 'no event twice');
    for (const hit of hits) {
      assert.equal(hit._id, hit._source.event?.id, 'the document id is the event id');
      // One data stream per dataset, named as the document says (Elastic's naming scheme).
      const dataset = hit._source.event!.dataset!;
      assert.deepEqual(hit._source.data_stream, { type: 'logs', dataset, namespace: 'default' });
      assert.ok(hit._index.startsWith(`.ds-logs-${dataset}-default-`), hit._index);
      assert.ok(!Number.isNaN(Date.parse(hit._source.event!.ingested!)), 'event.ingested is stamped');
    }
    // The node's own list of data streams: one per dataset, logs-<dataset>-default. Asked through
    // _resolve/index, a server API of both products: the Elasticsearch node has no _data_stream
    // endpoint, whose REST handlers live in a module that is not published.
    const datasets = [...new Set(hits.map((hit) => hit._source.event!.dataset!))];
    assert.ok(datasets.length >= 4, `several datasets: ${datasets.join(', ')}`);
    const resolved = await search(`_resolve/index/${DATA_STREAMS}`);
    assert.equal(resolved.status, 200, resolved.text);
    const { data_streams: streams } = JSON.parse(resolved.text) as { data_streams: Array<{ name: string; backing_indices: string[] }> };
    assert.deepEqual(streams.map((stream) => stream.name).sort(), datasets.map((dataset) => `logs-${dataset}-default`).sort());
    for (const id of ids) {
      const count = JSON.parse((await search(`${DATA_STREAMS}/_count`, { query: { ids: { values: [id] } } })).text) as { count: number };
      assert.equal(count.count, 1, `event ${id} is stored exactly once`);
    }
    // Delivered again: the node answers 409 per item, which counts as delivered, and stores no copy.
    // The event as vigil made it: the sink adds data_stream itself.
    const again = hits.slice(0, 3).map(({ _source: { data_stream: _, ...event } }) => sinkEventFromJson(JSON.stringify(event)));
    const sink = scenario.factory.create(scenario.factory.schema.parse({ url: node.url, template: { install: false } }) as never, { logger: silentLogger, dataDir: '' });
    assert.deepEqual((await sink.send(again)).map((outcome) => outcome.kind), ['ok', 'ok', 'ok']);
    await sink.close?.();
    assert.equal((await allHits()).hits.length, first + 1, 'a redelivered batch adds nothing');

    assert.ok(raw.includes('"probe after"') && !raw.includes('"probe conflict"'), 'the fitting neighbour was delivered, the conflict was not');
    assert.ok(raw.includes('1741944413589793238'), `Falco nanoseconds keep every digit in ${name}`);

    const [letter] = await dlq.list(name);
    assert.equal(letter?.reason, 'mapping_error');
    assert.match(letter?.detail ?? '', /(mapper|document)_parsing_exception/);
    assert.match(letter?.event.json ?? '', /probe conflict/);

    const template = JSON.parse((await search('_index_template/vigil-events')).text) as {
      index_templates: Array<{ index_template: { _meta?: { vigil_template_version?: number } } }>;
    };
    assert.equal(template.index_templates[0]?.index_template._meta?.vigil_template_version, TEMPLATE_VERSION, 'the index template was installed');

    const metrics = await fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
    assert.match(metrics, new RegExp(`vigil_events_forwarded_total\\{sink="${name}"\\} ${first + 1}\\b`));
    assert.match(metrics, new RegExp(`vigil_events_failed_total\\{sink="${name}",reason="mapping_error"\\} 1\\b`));
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
}

/** The mapping of one field in vigil's data streams, as the node answers GET _mapping/field. */
export async function fieldMapping(node: TestSearchNode, field: string): Promise<string> {
  return (await fetch(`${node.url}/${DATA_STREAMS}/_mapping/field/${field}`)).text();
}
