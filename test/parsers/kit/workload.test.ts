import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalize } from '../../../src/normalize/index.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';
import { workloadKey } from '../../../parsers/kit/workload.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { audit, falco, neuvector, WORKLOAD_KEY } from '../../support/workload-events.ts';

const raw = (format: string, text: string, cluster?: string): RawEvent => ({
  format, text, receivedAt: Date.parse('2025-06-03T14:07:08.123Z'), input: 'http', listener: 'http', peer: '192.0.2.10:1', ...(cluster ? { cluster } : {}),
});

test('NeuVector, Falco and a Kubernetes audit record about one Deployment\'s pod share one workload key', () => {
  const keys = [
    normalize(raw('neuvector', neuvector)),
    normalize(raw('falco', falco, 'prod')),
    normalize(raw('k8s-audit', audit, 'prod')),
  ].map(([event]) => (event!.vigil as { workload?: { key?: string } } | undefined)?.workload?.key);
  assert.deepEqual(keys, [WORKLOAD_KEY, WORKLOAD_KEY, WORKLOAD_KEY]);
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
