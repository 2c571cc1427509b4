import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalize } from '../../src/normalize/index.ts';
import type { RawEvent } from '../../src/pipeline/raw-event.ts';
import { workloadKey } from '../../parsers/workload.ts';
import type { EcsEvent } from '../../parsers/ecs.ts';

const raw = (format: string, text: string, cluster?: string): RawEvent => ({
  format, text, receivedAt: Date.parse('2025-06-03T14:07:08.123Z'), input: 'http', listener: 'http', peer: '192.0.2.10:1', ...(cluster ? { cluster } : {}),
});

const POD = 'checkout-7c5ddbdf54-2xk8p';
const neuvector = JSON.stringify({
  notification: 'violation', name: 'Network.Violation', level: 'Warning', reported_timestamp: 1748960425, cluster_name: 'prod',
  client_id: 'a', client_name: POD, client_domain: 'shop', client_image: 'shop/checkout:2', server_id: 'external', server_name: 'external',
  server_port: 443, ip_proto: 6, applications: ['SSL'], servers: [], sessions: 1, policy_action: 'violate', policy_id: 0,
  client_ip: '10.244.1.23', server_ip: '140.82.121.4', id: 'v1', fqdn: '', xff: false, nbe: false, host_name: 'worker-3', host_id: 'h',
});
const falco = JSON.stringify({
  uuid: 'f1', output: 'shell', priority: 'Notice', rule: 'Terminal shell in container', time: '2025-06-03T14:07:08.000000000Z',
  output_fields: { 'k8s.pod.name': POD, 'k8s.ns.name': 'shop', 'container.id': 'abc', 'container.name': 'checkout', 'proc.name': 'bash', 'user.name': 'root' },
});
const audit = JSON.stringify({
  kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{
    level: 'Metadata', auditID: 'a1', stage: 'ResponseComplete', requestURI: `/api/v1/namespaces/shop/pods/${POD}/exec`, verb: 'create',
    user: { username: 'alice@example.com' }, sourceIPs: ['203.0.113.10'],
    objectRef: { resource: 'pods', namespace: 'shop', name: POD, subresource: 'exec', apiVersion: 'v1' },
    responseStatus: { code: 101 }, stageTimestamp: '2025-06-03T14:07:08.000000Z',
  }],
});

test('NeuVector, Falco and a Kubernetes audit record about one Deployment\'s pod share one workload key', () => {
  const keys = [
    normalize(raw('neuvector', neuvector)),
    normalize(raw('falco', falco, 'prod')),
    normalize(raw('k8s-audit', audit, 'prod')),
  ].map(([event]) => (event!.vigil as { workload?: { key?: string } } | undefined)?.workload?.key);
  assert.deepEqual(keys, ['prod/shop/Deployment/checkout', 'prod/shop/Deployment/checkout', 'prod/shop/Deployment/checkout']);
});

test('the cluster a webhook sender named fills only events that name none', () => {
  const [event] = normalize(raw('neuvector', neuvector, 'other'));
  assert.equal(event!.orchestrator?.cluster?.name, 'prod', 'the event\'s own cluster name wins');
});

test('an audit record about the workload object itself has the same key', () => {
  const event: EcsEvent = { orchestrator: { cluster: { name: 'prod' }, namespace: 'shop', resource: { type: 'deployments/scale', name: 'checkout' } } };
  assert.equal(workloadKey(event), 'prod/shop/Deployment/checkout');
});

test('no key without a namespace or an owner', () => {
  assert.equal(workloadKey({ orchestrator: { resource: { type: 'deployments', name: 'x' } } }), undefined);
  assert.equal(workloadKey({ orchestrator: { namespace: 'shop', resource: { type: 'pod', name: 'bare' } } }), undefined);
  assert.equal(workloadKey({ orchestrator: { namespace: 'shop', resource: { type: 'secrets', name: 's' } } }), undefined);
});

test('related.* gathers every address, user and host the event names, once each', () => {
  const [nv] = normalize(raw('neuvector', neuvector));
  assert.deepEqual(nv!.related?.ip, ['10.244.1.23', '140.82.121.4']);
  assert.deepEqual(nv!.related?.hosts, ['worker-3']);
  const [au] = normalize(raw('k8s-audit', audit));
  assert.deepEqual(au!.related?.user, ['alice@example.com']);
  assert.deepEqual(au!.related?.ip, ['203.0.113.10']);
  const [fa] = normalize(raw('falco', falco));
  assert.deepEqual(fa!.related?.user, ['root']);
});
