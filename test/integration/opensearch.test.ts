import assert from 'node:assert/strict';
import { opensearch } from '../../src/sinks/elasticsearch/opensearch.ts';
import { waitFor } from '../support/memory-sink.ts';
import { deliveryScenario, fieldMapping, testAgainstNode } from '../support/search-delivery.ts';

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
});
