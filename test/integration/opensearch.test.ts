import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../src/observability/logger.ts';
import { DeadLetterQueue } from '../../src/pipeline/dlq.ts';
import { TEMPLATE_VERSION } from '../../src/sinks/elasticsearch/template.ts';
import { opensearch as openSearchSink } from '../../src/sinks/elasticsearch/opensearch.ts';
import { sinkEventFromJson } from '../support/doubles/sink-events.ts';
import { waitFor } from '../support/memory-sink.ts';
import { openSearchUnavailable, startOpenSearch } from '../support/opensearch.ts';
import { startTestRedis } from '../support/redis.ts';
import { post, sendOneOfEach } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';

const DATA_STREAM = 'logs-vigil.events-default';
const unavailable = openSearchUnavailable();

interface Hit {
  _id: string;
  _source: { event?: { id?: string; dataset?: string } };
}

test('vigil delivers every event exactly once to a real OpenSearch node, installs its template and dead-letters a mapping conflict', {
  skip: unavailable ? `SKIPPED, not passed: ${unavailable}` : false,
}, async (t) => {
  const began = Date.now();
  const opensearch = await startOpenSearch();
  t.after(() => opensearch.stop());
  t.diagnostic(`OpenSearch node ready in ${opensearch.startupMs} ms`);
  const redis = await startTestRedis();
  t.after(() => redis.destroy());
  const vigil = await spawnVigil(
    { REDIS_URL: redis.url, VIGIL_OPENSEARCH_URL: opensearch.url },
    'delivery:\n  initial_backoff_ms: 50\n  max_backoff_ms: 300\n',
  );
  const search = async (path: string, body?: unknown) => {
    const reply = await fetch(`${opensearch.url}/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: reply.status, text: await reply.text() };
  };
  /** Every stored event; while waiting (`settled` false) a data stream still being created reads as empty. */
  const allHits = async (settled = true): Promise<{ hits: Hit[]; raw: string }> => {
    if (!settled) await new Promise((r) => setTimeout(r, 200)); // poll gently: a busy machine runs the node
    await search(`${DATA_STREAM}/_refresh`, {});
    const { status, text } = await search(`${DATA_STREAM}/_search`, { size: 1000, query: { match_all: {} } });
    if (!settled && status !== 200) return { hits: [], raw: '' };
    assert.equal(status, 200, `search answered ${status}: ${text}`);
    return { hits: (JSON.parse(text) as { hits: { hits: Hit[] } }).hits.hits, raw: text };
  };
  try {
    // The json event maps json.attempts as a number in the data stream (dynamic mapping).
    const first = await sendOneOfEach(vigil, '{"message":"probe first","attempts":3}');
    const http = vigil.port('http');
    await waitFor(async () => (await allHits(false)).hits.length >= first, 90_000, `${first} events in OpenSearch`);

    // One request, one batch: an event whose field contradicts the mapping beside one that fits.
    const conflict = await post(http, '/ingest/json',
      '{"message":"probe conflict","attempts":"many"}\n{"message":"probe after","attempts":4}\n', 'application/x-ndjson');
    assert.equal(conflict.status, 200);
    const dlq = new DeadLetterQueue(redis.client(), 'vigil');
    await waitFor(async () => (await dlq.size('opensearch')) >= 1 && (await allHits(false)).hits.length >= first + 1, 60_000,
      'the conflict dead-lettered and its neighbour delivered');
    await new Promise((r) => setTimeout(r, 1000));

    const { hits, raw } = await allHits();
    const ids = hits.map((hit) => hit._id);
    assert.equal(hits.length, first + 1, `OpenSearch holds ${hits.length} events`);
    assert.equal(new Set(ids).size, hits.length, 'no event twice');
    for (const hit of hits) assert.equal(hit._id, hit._source.event?.id, 'the document id is the event id');
    for (const id of ids) {
      const count = JSON.parse((await search(`${DATA_STREAM}/_count`, { query: { ids: { values: [id] } } })).text) as { count: number };
      assert.equal(count.count, 1, `event ${id} is stored exactly once`);
    }
    // Delivered again (as after a crash between the bulk and its acknowledgement in Redis): the
    // node answers 409 per item, which counts as delivered, and stores no copy.
    const sink = openSearchSink.create(openSearchSink.schema.parse({ url: opensearch.url, template: { install: false } }), { logger: silentLogger, dataDir: '' });
    const again = hits.slice(0, 3).map((hit) => sinkEventFromJson(JSON.stringify(hit._source)));
    assert.deepEqual((await sink.send(again)).map((outcome) => outcome.kind), ['ok', 'ok', 'ok']);
    await sink.close?.();
    assert.equal((await allHits()).hits.length, first + 1, 'a redelivered batch adds nothing');

    assert.ok(raw.includes('"probe after"') && !raw.includes('"probe conflict"'), 'the fitting neighbour was delivered, the conflict was not');
    assert.ok(raw.includes('1741944413589793238'), 'Falco nanoseconds keep every digit in OpenSearch');

    const [letter] = await dlq.list('opensearch');
    assert.equal(letter?.reason, 'mapping_error');
    assert.match(letter?.detail ?? '', /mapper_parsing_exception/);
    assert.match(letter?.event.json ?? '', /probe conflict/);

    const template = JSON.parse((await search('_index_template/vigil-events')).text) as {
      index_templates: Array<{ index_template: { _meta?: { vigil_template_version?: number } } }>;
    };
    assert.equal(template.index_templates[0]?.index_template._meta?.vigil_template_version, TEMPLATE_VERSION, 'the index template was installed');
    const mapping = (await search(`${DATA_STREAM}/_mapping/field/falco.output_fields`)).text;
    assert.match(mapping, /"type":"flat_object"/, 'the data stream uses the template (Falco fields as flat_object)');

    const metrics = await fetch(`http://127.0.0.1:${vigil.port('admin')}/metrics`).then((r) => r.text());
    assert.match(metrics, new RegExp(`vigil_events_forwarded_total\\{sink="opensearch"\\} ${first + 1}\\b`));
    assert.match(metrics, /vigil_events_failed_total\{sink="opensearch",reason="mapping_error"\} 1\b/);
  } finally {
    assert.equal(await vigil.stop(), 0);
    t.diagnostic(`whole test ${Date.now() - began} ms`);
  }
});
