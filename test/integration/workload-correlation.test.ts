import assert from 'node:assert/strict';
import { ElasticsearchDouble } from '../support/doubles/elasticsearch.ts';
import { LokiDouble } from '../support/doubles/loki.ts';
import { waitFor } from '../support/memory-sink.ts';
import { testAgainstNode } from '../support/search-delivery.ts';
import { startTestRedis } from '../support/redis.ts';
import { post } from '../support/senders.ts';
import { spawnVigil } from '../support/vigil.ts';
import { audit, falco, neuvector, WORKLOAD_KEY } from '../support/workload-events.ts';

/**
 * The point of the workload key: one query per backend brings together what NeuVector, Falco and
 * the API server each saw of one Deployment's pod. Queried the way a person would: a term query
 * on vigil.workload.key in Elasticsearch and OpenSearch, the structured metadata in Loki.
 */
testAgainstNode('opensearch', 'a NeuVector violation, a Falco alert and an audit record about one Deployment\'s pod are found together by the workload key in Elasticsearch, OpenSearch and Loki', async (t, opensearch) => {
  const es = await ElasticsearchDouble.start();
  const loki = await LokiDouble.start();
  const redis = await startTestRedis();
  t.after(() => Promise.all([es.close(), loki.close(), redis.destroy()]));
  const vigil = await spawnVigil(
    { REDIS_URL: redis.url, VIGIL_ES_URL: es.url, VIGIL_OPENSEARCH_URL: opensearch.url, VIGIL_LOKI_URL: loki.url },
    'sinks:\n  loki:\n    tenant: security\n', // the double, as Loki with auth_enabled, needs a tenant
  );
  try {
    const http = vigil.port('http');
    for (const [path, body] of [['/ingest/neuvector', neuvector], ['/ingest/falco?cluster=prod', falco], ['/ingest/k8s-audit/cluster/prod', audit]] as const) {
      const reply = await post(http, path, body, 'application/json');
      assert.equal(reply.status, 200, `${path}: ${await reply.text()}`);
    }
    // A cluster name that is not one is refused, not stored with the event.
    assert.equal((await post(http, '/ingest/falco?cluster=a%20b', falco, 'application/json')).status, 400);

    const esByKey = () => es.allDocuments().map((doc) => JSON.parse(doc.source)).filter((doc) => doc.vigil?.workload?.key === WORKLOAD_KEY);
    const lokiByKey = () => loki.entries.filter((entry) => entry.metadata?.workload === WORKLOAD_KEY);
    const openSearchByKey = async (): Promise<Array<{ event: { dataset: string } }>> => {
      await fetch(`${opensearch.url}/logs-*/_refresh`, { method: 'POST' });
      const reply = await fetch(`${opensearch.url}/logs-*/_search`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 10, query: { term: { 'vigil.workload.key': WORKLOAD_KEY } } }),
      });
      if (reply.status !== 200) return [];
      return ((await reply.json()) as { hits: { hits: Array<{ _source: { event: { dataset: string } } }> } }).hits.hits.map((hit) => hit._source);
    };
    let found: Array<{ event: { dataset: string } }> = [];
    await waitFor(async () => {
      found = await openSearchByKey();
      return esByKey().length >= 3 && lokiByKey().length >= 3 && found.length >= 3;
    }, 60_000, 'three events by the workload key in every backend').catch((error: Error) => {
      const warnings = vigil.logs.filter((line) => Number(line.level) >= 40).map((line) => JSON.stringify(line).slice(0, 400));
      throw new Error(`${error.message}: Elasticsearch ${esByKey().length} of ${es.allDocuments().length}, OpenSearch ${found.length}, `
        + `Loki ${lokiByKey().length} of ${loki.entries.length}; warnings: ${warnings.join('\n')}`);
    });

    const datasets = ['falco.alerts', 'kubernetes.audit_logs', 'neuvector.violation'];
    assert.deepEqual(esByKey().map((doc) => doc.event.dataset).sort(), datasets);
    assert.deepEqual(found.map((doc) => doc.event.dataset).sort(), datasets);
    assert.deepEqual(lokiByKey().map((entry) => entry.labels.dataset).sort(), datasets);
    // Each in its own data stream, all under the one key.
    assert.deepEqual(new Set(es.allDocuments().filter((doc) => doc.source.includes(WORKLOAD_KEY)).map((doc) => doc.index.split('-').slice(0, -1).join('-'))).size, 3);
    assert.ok(esByKey().every((doc) => doc.orchestrator.cluster.name === 'prod'), 'Falco and audit events carry the cluster their sender named');
  } finally {
    assert.equal(await vigil.stop(), 0);
  }
});
