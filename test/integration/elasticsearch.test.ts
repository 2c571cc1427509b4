import assert from 'node:assert/strict';
import { elasticsearch } from '../../src/sinks/elasticsearch/index.ts';
import { waitFor } from '../support/memory-sink.ts';
import { checkReadmeRouting, readmeExample, type RoutedDocument } from '../support/readme-routing.ts';
import { startTestRedis } from '../support/redis.ts';
import { deliveryScenario, fieldMapping, testAgainstNode } from '../support/search-delivery.ts';
import { searchHits } from '../support/search-node.ts';
import { sendOneOfEach } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';
import { assertWorkloadFound, sendWorkloadEvents, WORKLOAD_QUERY } from '../support/workload-events.ts';

/**
 * Against a real Elasticsearch 8.19 node (test/support/elasticsearch/). That node runs without
 * Elasticsearch's modules and x-pack, so it lacks the field types `wildcard`, `match_only_text`
 * and `constant_keyword`, and the stack's component templates. How the test meets each:
 * - field types: the sink installs its template with them replaced by keyword/text (the cluster's
 *   refusal names the type; see BulkSink.start); checked by its warning and the fields' mappings;
 * - components: the template is composed on logs@settings and ecs@mappings where present; the
 *   test adds a stand-in ecs@mappings (below) and leaves logs@settings missing, so one run shows
 *   the server composing on one and skipping the other.
 * One node for all: it takes seconds to start. A second vigil on it then runs the README's
 * routing example (both instances on this node, told apart by their namespaces) and finds the
 * three events about one workload by its key.
 */
testAgainstNode('elasticsearch', 'vigil delivers every event exactly once to a real Elasticsearch node, installs its template at start and dead-letters a mapping conflict', async (t, node) => {
  // The node has none of the stack's component templates. A stand-in for ecs@mappings, with its
  // rule for IP fields, shows that the real server composes vigil's template on it, while the
  // missing logs@settings is skipped.
  const component = await fetch(`${node.url}/_component_template/ecs@mappings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ template: { mappings: { dynamic_templates: [
      { ecs_ip: { path_match: ['ip', '*.ip', '*_ip'], match_mapping_type: 'string', mapping: { type: 'ip' } } },
    ] } } }),
  });
  assert.equal(component.status, 200, await component.text());
  await deliveryScenario(t, {
    sink: 'elasticsearch',
    factory: elasticsearch as never,
    urlEnv: 'VIGIL_ES_URL',
    node,
    // Retention as a data stream lifecycle, which the real server validates in the template; and
    // a second sink whose URL answers nothing: named in /readyz at once, it blocks no delivery to Elasticsearch.
    sinks: '  elasticsearch:\n    retention_days: 30\n  opensearch:\n    url: http://127.0.0.1:1\n',
    async also(vigil, search) {
      // Before any event: the template is installed when vigil starts, not at the first delivery.
      await waitFor(async () => vigil.logs.some((line) => line.msg === 'Installed the Elasticsearch index template'), 30_000, 'the template installed at start');
      const installed = JSON.parse((await search('_index_template/vigil-events')).text) as {
        index_templates: Array<{ index_template: { composed_of: string[]; template: { lifecycle?: unknown; settings?: { index?: { lifecycle?: unknown } } } } }>;
      };
      const { composed_of: components, template } = installed.index_templates[0]!.index_template;
      assert.deepEqual(components, ['logs@settings', 'ecs@mappings']);
      assert.deepEqual(template.lifecycle, { enabled: true, data_retention: '30d' });
      assert.deepEqual(template.settings?.index?.lifecycle, { prefer_ilm: 'false' });
      const warning = vigil.logs.find((line) => /lacks the field types/.test(String(line.msg)));
      assert.deepEqual([...(warning?.types as string[] ?? [])].sort(), ['constant_keyword', 'match_only_text', 'wildcard']);

      await waitFor(async () => vigil.logs.some((line) => String(line.msg).startsWith('Sink setup failed at start') && line.sink === 'opensearch'),
        30_000, 'the unreachable sink logged at start');
      const readyz = await fetch(`http://127.0.0.1:${vigil.port('admin')}/readyz`);
      assert.equal(readyz.status, 200, 'a sink that cannot deliver does not stop ingest');
      const body = await readyz.json() as { status: string; sinks?: Record<string, string> };
      assert.equal(body.status, 'ready');
      assert.match(body.sinks?.opensearch ?? '', /setup failed \(ECONNREFUSED\)/);
      assert.equal(body.sinks?.elasticsearch, undefined);
    },
  });
  assert.match(await fieldMapping(node, 'falco.output_fields'), /"type":"flattened"/, 'Falco fields as flattened');
  assert.match(await fieldMapping(node, '@timestamp'), /"type":"date_nanos"/);
  assert.match(await fieldMapping(node, 'url.original'), /"type":"keyword"/, 'wildcard fell back to keyword');
  assert.match(await fieldMapping(node, 'json.source_ip'), /"type":"ip"/, 'the ecs@mappings component applies');

  await t.test('the README\'s routing example, and the workload key bringing together what three sources saw of one pod', async (t) => {
    // The delivery scenario's documents go: the same fixtures give the same event ids, which the
    // node would answer 409 in logs-*-default, hiding what soc delivers. Deleted one by one in a
    // bulk on their backing indices: the node has no API to delete a data stream (its module is
    // not published).
    const earlier = await searchHits(node, 'logs-*');
    const deleted = await fetch(`${node.url}/_bulk?refresh=true`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson' },
      body: earlier.map((hit) => `${JSON.stringify({ delete: { _index: hit._index, _id: hit._id } })}\n`).join(''),
    });
    assert.match(await deleted.text(), /^\{"errors":false/);
    const redis = await startTestRedis();
    t.after(() => redis.destroy());
    const vigil = await spawnVigil({ REDIS_URL: redis.url, SOC_ES_URL: node.url, ARCHIVE_ES_URL: node.url }, readmeExample());
    try {
      const sent = await sendOneOfEach(vigil) + await sendWorkloadEvents(vigil.port('http'));
      const stored = (namespace: string) => async () => (await searchHits<RoutedDocument>(node, `logs-*-${namespace}`)).map((hit) => hit._source);
      await checkReadmeRouting(vigil, sent, { soc: stored('default'), archive: stored('archive') });
      assertWorkloadFound(await searchHits(node, 'logs-*', WORKLOAD_QUERY), 'archive');
    } finally {
      assert.equal(await vigil.stop(), 0);
    }
  });
});
