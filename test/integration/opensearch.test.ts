import assert from 'node:assert/strict';
import { opensearch } from '../../src/sinks/elasticsearch/opensearch.ts';
import { LokiDouble } from '../support/doubles/loki.ts';
import { waitFor } from '../support/memory-sink.ts';
import { startTestRedis } from '../support/redis.ts';
import { deliveryScenario, fieldMapping, testAgainstNode } from '../support/search-delivery.ts';
import { searchHits, type SearchHit } from '../support/search-node.ts';
import { post } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';
import { assertWorkloadFound, falco, sendWorkloadEvents, WORKLOAD_DATASETS, WORKLOAD_KEY, WORKLOAD_QUERY, type WorkloadDocument } from '../support/workload-events.ts';

/**
 * Against a real OpenSearch 2.19 node (test/support/opensearch/), started once: the delivery
 * scenario, then a second vigil on it for the workload key.
 */
testAgainstNode('opensearch', 'vigil delivers every event exactly once to a real OpenSearch node, installs its template and dead-letters a mapping conflict', async (t, node) => {
  await deliveryScenario(t, {
    sink: 'opensearch',
    factory: opensearch as never,
    urlEnv: 'VIGIL_OPENSEARCH_URL',
    node,
    // Retention is an ISM policy, a plugin this node lacks: said at start, and delivery goes on.
    sinks: '  opensearch:\n    retention_days: 30\n',
    async also(vigil) {
      await waitFor(async () => vigil.logs.some((line) => line.msg === 'Installed the OpenSearch index template'), 30_000, 'the template installed at start');
      await waitFor(async () => vigil.logs.some((line) => /no Index State Management plugin: retention_days is not applied/.test(String(line.msg))),
        30_000, 'the warning that retention is not applied');
    },
  });
  assert.match(await fieldMapping(node, 'falco.output_fields'), /"type":"flat_object"/, 'the data stream uses the template (Falco fields as flat_object)');

  // The point of the workload key: one query per backend brings together what NeuVector, Falco
  // and the API server each saw of one Deployment's pod. Queried the way a person would: a term
  // query on vigil.workload.key in OpenSearch, the structured metadata in Loki (the Elasticsearch
  // node does the same in elasticsearch.test.ts).
  await t.test('a NeuVector violation, a Falco alert and an audit record about one Deployment\'s pod are found together by the workload key in OpenSearch and Loki', async (t) => {
    const loki = await LokiDouble.start();
    const redis = await startTestRedis();
    t.after(() => Promise.all([loki.close(), redis.destroy()]));
    const vigil = await spawnVigil(
      { REDIS_URL: redis.url, VIGIL_OPENSEARCH_URL: node.url, VIGIL_LOKI_URL: loki.url },
      'sinks:\n  loki:\n    tenant: security\n', // the double, as Loki with auth_enabled, needs a tenant
    );
    try {
      const http = vigil.port('http');
      await sendWorkloadEvents(http);
      // A cluster name that is not one is refused, not stored with the event.
      assert.equal((await post(http, '/ingest/falco?cluster=a%20b', falco, 'application/json')).status, 400);

      const lokiByKey = () => loki.entries.filter((entry) => entry.metadata?.workload === WORKLOAD_KEY);
      let found: Array<SearchHit<WorkloadDocument>> = [];
      await waitFor(async () => {
        found = await searchHits(node, 'logs-*', WORKLOAD_QUERY);
        return lokiByKey().length >= 3 && found.length >= 3;
      }, 60_000, 'three events by the workload key in every backend').catch((error: Error) => {
        const warnings = vigil.logs.filter((line) => Number(line.level) >= 40).map((line) => JSON.stringify(line).slice(0, 400));
        throw new Error(`${error.message}: OpenSearch ${found.length}, Loki ${lokiByKey().length} of ${loki.entries.length}; warnings: ${warnings.join('\n')}`);
      });

      assertWorkloadFound(found, 'default');
      assert.deepEqual(lokiByKey().map((entry) => entry.labels.dataset).sort(), WORKLOAD_DATASETS);
    } finally {
      assert.equal(await vigil.stop(), 0);
    }
  });
});
