/**
 * What three sources say about one pod of the Deployment `checkout` in namespace `shop` of
 * cluster `prod`: a NeuVector network violation (webhook JSON, names its cluster), a Falco alert
 * and a Kubernetes audit record of an exec into it (both name no cluster: sent with ?cluster=prod),
 * all stamped now.
 */
import assert from 'node:assert/strict';
import type { SearchHit } from './search-node.ts';
import { post } from './senders.ts';

/** Now: Loki refuses entries older than its reject_old_samples_max_age. */
const NOW = new Date();

export const WORKLOAD_KEY = 'prod/shop/Deployment/checkout';
export const POD = 'checkout-7c5ddbdf54-2xk8p';
export const neuvector = JSON.stringify({
  notification: 'violation', name: 'Network.Violation', level: 'Warning', reported_timestamp: Math.floor(NOW.getTime() / 1000), cluster_name: 'prod',
  client_id: 'a', client_name: POD, client_domain: 'shop', client_image: 'shop/checkout:2', server_id: 'external', server_name: 'external',
  server_port: 443, ip_proto: 6, applications: ['SSL'], servers: [], sessions: 1, policy_action: 'violate', policy_id: 0,
  client_ip: '10.244.1.23', server_ip: '140.82.121.4', id: 'v1', fqdn: '', xff: false, nbe: false, host_name: 'worker-3', host_id: 'h',
});
export const falco = JSON.stringify({
  uuid: 'f1', output: 'shell', priority: 'Notice', rule: 'Terminal shell in container', time: NOW.toISOString(),
  output_fields: { 'k8s.pod.name': POD, 'k8s.ns.name': 'shop', 'container.id': 'abc', 'container.name': 'checkout', 'proc.name': 'bash', 'user.name': 'root' },
});
export const audit = JSON.stringify({
  kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{
    level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: `/api/v1/namespaces/shop/pods/${POD}/exec`, verb: 'create',
    user: { username: 'alice@example.com' }, sourceIPs: ['203.0.113.10'],
    objectRef: { resource: 'pods', namespace: 'shop', name: POD, subresource: 'exec', apiVersion: 'v1' },
    responseStatus: { code: 101 }, stageTimestamp: NOW.toISOString(),
  }],
});


/** The datasets of the three events, sorted. */
export const WORKLOAD_DATASETS = ['falco.alerts', 'kubernetes.audit_logs', 'neuvector.violation'];

/** The query a person would type in Kibana or OpenSearch Dashboards: a term on the key. */
export const WORKLOAD_QUERY = { term: { 'vigil.workload.key': WORKLOAD_KEY } };

/** Posts the three events to vigil's HTTP listener, the Falco and audit ones naming cluster prod; answers how many. */
export async function sendWorkloadEvents(httpPort: number): Promise<number> {
  for (const [path, body] of [['/ingest/neuvector', neuvector], ['/ingest/falco?cluster=prod', falco], ['/ingest/k8s-audit/cluster/prod', audit]] as const) {
    const reply = await post(httpPort, path, body, 'application/json');
    assert.equal(reply.status, 200, `${path}: ${await reply.text()}`);
  }
  return 3;
}

/** The fields of a stored event the checks read. */
export interface WorkloadDocument {
  event: { dataset: string };
  orchestrator: { cluster: { name: string } };
}

/** What a search node answered to WORKLOAD_QUERY: the three events, each in its own dataset's data stream, under the one key. */
export function assertWorkloadFound(hits: Array<SearchHit<WorkloadDocument>>, namespace: string): void {
  assert.deepEqual(hits.map((hit) => hit._source.event.dataset).sort(), WORKLOAD_DATASETS);
  for (const { _index, _source } of hits) {
    assert.ok(_index.startsWith(`.ds-logs-${_source.event.dataset}-${namespace}-`), `${_index} is the data stream of ${_source.event.dataset}`);
    assert.equal(_source.orchestrator.cluster.name, 'prod', 'Falco and audit events carry the cluster their sender named');
  }
}
