import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { podFields, podOwner, type PodOwner } from '../../../parsers/kit/pod-owner.ts';

// Pod names as the Kubernetes controllers generate them, and names that only look alike.
const cases: [name: string, owner: PodOwner | undefined, why: string][] = [
  ['nginx-7c5ddbdf54-2xk8p', { kind: 'Deployment', name: 'nginx', via: { kind: 'ReplicaSet', name: 'nginx-7c5ddbdf54' } }, 'Deployment: <deploy>-<hash>-<5>'],
  ['neuvector-controller-pod-575f94dccf-rccmt', { kind: 'Deployment', name: 'neuvector-controller-pod', via: { kind: 'ReplicaSet', name: 'neuvector-controller-pod-575f94dccf' } }, 'a Deployment name with dashes'],
  ['api-v2-5c8d7f6b9-x7k2p', { kind: 'Deployment', name: 'api-v2', via: { kind: 'ReplicaSet', name: 'api-v2-5c8d7f6b9' } }, 'a Deployment name with digits'],
  ['web2-6f7d8c-2mhtx', { kind: 'Deployment', name: 'web2', via: { kind: 'ReplicaSet', name: 'web2-6f7d8c' } }, 'the shortest template hash read (6)'],
  ['neuvector-enforcer-pod-t4q9z', { kind: 'DaemonSet', name: 'neuvector-enforcer-pod' }, 'DaemonSet: <ds>-<5>'],
  ['kube-proxy-x2k9z', { kind: 'DaemonSet', name: 'kube-proxy' }, '"proxy" is 5 letters but no random suffix or hash: it has vowels'],
  ['node-exporter-h2k4j', { kind: 'DaemonSet', name: 'node-exporter' }, '"exporter" has hash length but vowels'],
  ['db-migrate-9xk2w', { kind: 'DaemonSet', name: 'db-migrate' }, 'a bare Job has the DaemonSet shape and is read as one (documented choice)'],
  ['ledger-db-0', { kind: 'StatefulSet', name: 'ledger-db' }, 'StatefulSet: <sts>-<ordinal>'],
  ['web-10', { kind: 'StatefulSet', name: 'web' }, 'a two-digit ordinal'],
  ['kafka-2-12', { kind: 'StatefulSet', name: 'kafka-2' }, 'a StatefulSet name ending in digits'],
  ['backup-29146080-b2x7q', { kind: 'CronJob', name: 'backup', via: { kind: 'Job', name: 'backup-29146080' } }, 'CronJob: <cronjob>-<minutes>-<5>'],
  ['report-v2-29146085-zx9wv', { kind: 'CronJob', name: 'report-v2', via: { kind: 'Job', name: 'report-v2-29146085' } }, 'a CronJob name with digits'],
  ['render-4-q7xk2', { kind: 'Job', name: 'render' }, 'Indexed Job: <job>-<index>-<5>'],
  ['sync-5479865947-b2x7q', { kind: 'Deployment', name: 'sync', via: { kind: 'ReplicaSet', name: 'sync-5479865947' } }, 'an all-digit template hash (digits 4-9 only) is no CronJob minute'],
  ['billing-5d4c3b2a1-zx9wv', undefined, 'a hash-like segment outside the alphabet: no controller made this name'],
  ['orders-api-5c8d7f6b9-lm3np', undefined, 'a 3 is never in a generated suffix'],
  ['redis-01', undefined, 'ordinals have no leading zero'],
  ['debug-shell', undefined, 'a bare pod: no generated part'],
  ['nginx', undefined, 'no dash at all'],
  ['-x7k2p', undefined, 'no owner before the suffix'],
  ['external', undefined, 'NeuVector: traffic from outside the cluster'],
  ['Host:ip-10-0-12-34.eu-west-1.compute.internal', undefined, 'NeuVector: a node'],
  ['Workload:fd00:10:244:1::1f', undefined, 'NeuVector: an unmanaged workload by IP'],
  ['nv.ip.kube-dns.kube-system', undefined, 'NeuVector: a service IP group'],
  ['nv.web-0', undefined, 'NeuVector group names are never pods, whatever their tail'],
  ['10.244.1.5', undefined, 'an IP'],
  ['ip-10-0-12-34.eu-west-1.compute.internal', undefined, 'a node hostname'],
  ['Nginx-7c5ddbdf54-2xk8p', undefined, 'upper case is no Kubernetes object name'],
  [`${'a'.repeat(34)}-payments-ledger-7c5ddbdx2k8p`, undefined, 'a base cut at 58 characters loses the dash before the suffix'],
];

for (const [name, owner, why] of cases) {
  test(`podOwner(${JSON.stringify(name)}): ${why}`, () => assert.deepEqual(podOwner(name), owner));
}

test('podFields: the pod as orchestrator.resource and its owner chain under kubernetes.*', () => {
  assert.deepEqual(podFields('backup-29146080-b2x7q', 'ops'), {
    resource: { name: 'backup-29146080-b2x7q', type: 'pod', parent: { type: 'CronJob' } },
    kubernetes: { pod: { name: 'backup-29146080-b2x7q' }, namespace: 'ops', job: { name: 'backup-29146080' }, cronjob: { name: 'backup' } },
  });
});

test('podFields: nothing without a namespace, a name, or a controller shape', () => {
  assert.equal(podFields('ledger-db-0', undefined), undefined);
  assert.equal(podFields(undefined, 'payments'), undefined);
  assert.equal(podFields('debug-shell', 'default'), undefined);
});

// Properties: names made the way the controllers make them read back to their owner.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** apimachinery rand.String(5). */
const random5 = fc.array(fc.constantFrom(...ALPHABET), { minLength: 5, maxLength: 5 }).map((a) => a.join(''));
/** controller.ComputeHash: rand.SafeEncodeString of the decimal FNV-32 hash (6+ digits here, see pod-owner.ts). */
const templateHash = fc.integer({ min: 100_000, max: 0xffffffff })
  .map((n) => [...String(n)].map((c) => ALPHABET[c.charCodeAt(0) % ALPHABET.length]).join(''));
/** A workload name: DNS-label segments joined by dashes. */
const ownerName = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 4 }).map((s) => s.join('-'));
/** A DaemonSet name whose last segment reads as a word (has a vowel), as names people choose do. */
const wordyName = fc.tuple(ownerName, fc.stringMatching(/^[a-z]{0,4}[aeiouy][a-z]{0,4}$/)).map(([a, b]) => `${a}-${b}`);

test('property: a Deployment pod reads back to its ReplicaSet and Deployment', () => {
  fc.assert(fc.property(ownerName, templateHash, random5, (owner, hash, suffix) => {
    assert.deepEqual(podOwner(`${owner}-${hash}-${suffix}`), { kind: 'Deployment', name: owner, via: { kind: 'ReplicaSet', name: `${owner}-${hash}` } });
  }));
});

test('property: a CronJob pod (scheduled 2019-2046) reads back to its Job and CronJob', () => {
  fc.assert(fc.property(ownerName, fc.integer({ min: 25_000_000, max: 39_999_999 }), random5, (owner, minutes, suffix) => {
    assert.deepEqual(podOwner(`${owner}-${minutes}-${suffix}`), { kind: 'CronJob', name: owner, via: { kind: 'Job', name: `${owner}-${minutes}` } });
  }));
});

test('property: a StatefulSet pod reads back to its StatefulSet', () => {
  fc.assert(fc.property(ownerName, fc.integer({ min: 0, max: 9999 }), (owner, ordinal) => {
    assert.deepEqual(podOwner(`${owner}-${ordinal}`), { kind: 'StatefulSet', name: owner });
  }));
});

test('property: a DaemonSet pod reads back to its DaemonSet', () => {
  fc.assert(fc.property(wordyName, random5, (owner, suffix) => {
    assert.deepEqual(podOwner(`${owner}-${suffix}`), { kind: 'DaemonSet', name: owner });
  }));
});

test('property: any string gives an owner whose name prefixes it, or none; never a throw', () => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (name) => {
    const owner = podOwner(name);
    if (owner) assert.ok(name.startsWith(`${owner.name}-`), name);
  }));
});
