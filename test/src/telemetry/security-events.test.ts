import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { OVERFLOW_LABEL, SECURITY_DATASETS, securityKey, type SecurityCounts } from '../../../src/telemetry/security-events.ts';
import { processPayload } from '../../../src/pipeline/process-batch.ts';
import { encodeRawBatch } from '../../../src/pipeline/codec.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { FIXTURES } from '../../support/senders.ts';
import { formats } from '../../../parsers/index.ts';

const event = (dataset: string | undefined, level: string | undefined, cluster?: string, namespace?: string): EcsEvent =>
  ({ event: { dataset }, log: { level }, orchestrator: { cluster: { name: cluster }, namespace } }) as EcsEvent;

async function samples(metrics: Metrics) {
  return (await metrics.securityEvents.get()).values.map((v) => ({ ...v.labels, value: v.value }));
}

test('every dataset the parsers produce, and each format\'s .log of unreadable bodies, is a label value of its own', () => {
  const datasets = new Set<string>();
  for (const folder of readdirSync(FIXTURES)) {
    if (folder === 'sinks' || folder === 'framing') continue;
    for (const name of readdirSync(join(FIXTURES, folder)).filter((n) => n.endsWith('.expected.json'))) {
      const expected = JSON.parse(readFileSync(join(FIXTURES, folder, name), 'utf8')) as EcsEvent | EcsEvent[];
      for (const e of [expected].flat()) if (e.event?.dataset) datasets.add(e.event.dataset);
    }
  }
  assert.ok(datasets.size >= 10, `found ${datasets.size} datasets`);
  // What normalize names a body its parser could not read at all.
  for (const format of formats.keys()) datasets.add(`${format.replaceAll('-', '_')}.log`);
  for (const dataset of datasets) assert.ok(SECURITY_DATASETS.has(dataset), `${dataset} missing from SECURITY_DATASETS`);
});

test('labels come from fixed sets: an unknown dataset is _other, a missing or odd level unknown', async () => {
  const metrics = new Metrics({ securityLabels: { clusters: ['prod'], namespaces: ['shop'] } });
  const counts: SecurityCounts = {};
  for (const e of [event('neuvector.violation', 'warning', 'prod', 'shop'), event('neuvector.violation', 'warning', 'prod', 'shop'),
    event('made.up', 'Warning'), event(undefined, undefined)]) {
    counts[securityKey(e)] = (counts[securityKey(e)] ?? 0) + 1;
  }
  metrics.countSecurityEvents(counts);
  assert.deepEqual(await samples(metrics), [
    { dataset: 'neuvector.violation', severity: 'warning', cluster: 'prod', namespace: 'shop', value: 2 },
    { dataset: OVERFLOW_LABEL, severity: 'unknown', cluster: '', namespace: '', value: 2 },
  ]);
});

test('cluster and namespace label values come from the configuration: others count as _other', async () => {
  const metrics = new Metrics({ securityLabels: { clusters: ['c1'], namespaces: ['a', 'b'] } });
  const batch = (namespaces: string[], cluster = 'c1') => {
    const counts: SecurityCounts = {};
    for (const ns of namespaces) counts[securityKey(event('falco.alerts', 'critical', cluster, ns))] = 1;
    return counts;
  };
  metrics.countSecurityEvents(batch(['a', 'b']));
  metrics.countSecurityEvents(batch(['c', 'a', 'd']));
  metrics.countSecurityEvents(batch(['b'], 'c2'));
  const values = await samples(metrics);
  const namespaces = new Map<string, number>();
  for (const v of values) namespaces.set(String(v.namespace), (namespaces.get(String(v.namespace)) ?? 0) + v.value);
  assert.deepEqual(Object.fromEntries(namespaces), { a: 2, b: 2, [OVERFLOW_LABEL]: 2 });
  assert.deepEqual([...new Set(values.map((v) => v.cluster))].sort(), [OVERFLOW_LABEL, 'c1']);
  // A huge value is cut, so the key stays small whatever the sender wrote.
  assert.equal(securityKey(event('falco.alerts', 'critical', 'x'.repeat(100_000))).length < 400, true);
});

test('forged cluster names sent first cannot push the configured cluster into _other', async () => {
  const metrics = new Metrics({ securityLabels: { clusters: ['prod-eu'], namespaces: ['payments'] } });
  for (let i = 0; i < 10; i++) metrics.countSecurityEvents({ [securityKey(event('neuvector.violation', 'warning', `forged-${i}`, `ns-${i}`))]: 1 });
  metrics.countSecurityEvents({ [securityKey(event('neuvector.violation', 'warning', 'prod-eu', 'payments'))]: 1 });
  const values = await samples(metrics);
  assert.deepEqual(values.find((v) => v.cluster === 'prod-eu'), { dataset: 'neuvector.violation', severity: 'warning', cluster: 'prod-eu', namespace: 'payments', value: 1 });
  assert.deepEqual(values.find((v) => v.cluster === OVERFLOW_LABEL), { dataset: 'neuvector.violation', severity: 'warning', cluster: OVERFLOW_LABEL, namespace: OVERFLOW_LABEL, value: 10 });
  assert.equal(values.length, 2, 'no forged value became a label');
});

test('the processing thread counts each normalised event once, with its cluster and namespace', () => {
  const eventList = readFileSync(join(FIXTURES, 'k8s-audit/eventlist-mixed-stages.json'), 'utf8');
  const batch = processPayload(encodeRawBatch([
    { format: 'k8s-audit', text: eventList, receivedAt: 1_750_000_000_000, input: 'http', listener: 'http', peer: '10.0.0.1:1' },
    { format: 'json', text: '{"a":1}', receivedAt: 1_750_000_000_000, input: 'http', listener: 'http', peer: '10.0.0.1:1' },
  ]));
  const counted = Object.values(batch.security).reduce((a, b) => a + b, 0);
  assert.equal(counted, batch.n);
  const keys = Object.keys(batch.security).map((k) => k.split('\u0000'));
  assert.ok(keys.some(([dataset, , , namespace]) => dataset === 'kubernetes.audit_logs' && namespace !== ''), JSON.stringify(keys));
  assert.ok(keys.some(([dataset, severity]) => dataset === 'json.log' && severity === 'unknown'));
  assert.equal(batch.sourceKeys.length, batch.sourceIds.length);
});
