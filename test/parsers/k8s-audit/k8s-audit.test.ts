import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { k8sAudit } from '../../../parsers/k8s-audit/index.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { normalize } from '../../../src/normalize/index.ts';
import { normalized } from '../json/property-kit.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/k8s-audit/${name}`, import.meta.url), 'utf8');
const mixed = fixture('eventlist-mixed-stages.json');
const forbidden = fixture('eventlist-secret-get-forbidden.json');
const privileged = fixture('eventlist-create-privileged-pod.json');

/** A minimal audit Event with the given overrides. */
const item = (extra: Record<string, unknown> = {}) => ({
  level: 'Metadata', auditID: 'id-1', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/ns/pods/p', verb: 'get',
  user: { username: 'alice' }, sourceIPs: ['192.0.2.1'], objectRef: { resource: 'pods', namespace: 'ns', name: 'p', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 }, stageTimestamp: '2025-03-14T10:00:00.123456Z', ...extra,
});
const list = (...items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });
const one = (extra: Record<string, unknown> = {}): EcsEvent => normalized('k8s-audit', list(item(extra)))[0];

test('k8s-audit: an EventList gives one event per item', () => {
  assert.equal(normalized('k8s-audit', mixed).length, 6);
  assert.equal(normalized('k8s-audit', forbidden).length, 2);
});

test('k8s-audit: a re-sent batch gets the same ids, and each stage of a request its own', () => {
  const at = (receivedAt: number) => normalize({ format: 'k8s-audit', text: forbidden, receivedAt, input: 'http', listener: 'http', peer: '192.0.2.9:1' }).map((e) => e.event?.id);
  const first = at(1);
  assert.deepEqual(at(999_999), first);
  assert.equal(new Set(first).size, 2, 'RequestReceived and ResponseComplete differ');
});

test('k8s-audit: each event keeps its own item, compact, as original', () => {
  const events = normalized('k8s-audit', mixed);
  const items = JSON.parse(mixed).items;
  events.forEach((event, i) => {
    const original = event.event?.original ?? '';
    assert.ok(!original.includes('\n'), 'compact');
    assert.deepEqual(JSON.parse(original), items[i]);
  });
});

test('k8s-audit: keeps the Event verbatim under kubernetes.audit', () => {
  const [event] = normalized('k8s-audit', privileged);
  assert.deepEqual((event.kubernetes as { audit: unknown }).audit, JSON.parse(privileged).items[0]);
});

test('k8s-audit: a single Event body and a bare array are accepted too', () => {
  const single = JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...item() });
  const events = normalized('k8s-audit', single);
  assert.equal(events.length, 1);
  assert.equal(events[0].event?.original, single, 'a lone Event keeps the whole body');
  assert.equal(normalized('k8s-audit', JSON.stringify([item(), item({ stage: 'RequestReceived' })])).length, 2);
});

test('k8s-audit: an EventList with null or no items gives no event', () => {
  for (const body of ['{"kind":"EventList","items":null}', '{"kind":"EventList","items":[]}', '[]']) {
    const result = k8sAudit.parse(body, { receivedAt: 0 });
    assert.ok(result.ok && result.events.length === 0, body);
  }
});

test('k8s-audit: maps the audit Event to ECS', () => {
  const [event] = normalized('k8s-audit', privileged);
  assert.equal(event['@timestamp'], '2025-03-14T10:22:05.718281Z');
  assert.equal(event.event?.module, 'kubernetes');
  assert.equal(event.event?.dataset, 'kubernetes.audit_logs');
  assert.equal(event.event?.kind, 'event');
  assert.equal(event.event?.action, 'create');
  assert.deepEqual(event.user, {
    name: 'bob@example.com', roles: ['platform-admins', 'system:authenticated'],
    effective: { name: 'system:serviceaccount:payments:deployer', roles: ['system:serviceaccounts', 'system:serviceaccounts:payments', 'system:authenticated'] },
  });
  assert.deepEqual(event.source, { ip: '198.51.100.23' });
  assert.equal(event.user_agent?.original, 'kubectl/v1.29.4 (darwin/arm64) kubernetes/55cbfdc');
  assert.equal(event.url?.original, '/api/v1/namespaces/payments/pods?fieldManager=kubectl-run');
  assert.equal(event.http?.response?.status_code, 201);
  // The pod's name has a DaemonSet pod's shape (parsers/kit/pod-owner.ts): its owner joins the workload key.
  assert.deepEqual(event.orchestrator, { type: 'kubernetes', namespace: 'payments', resource: { type: 'pods', name: 'debug-7kq2x', parent: { type: 'DaemonSet' } }, api_version: 'v1' });
  assert.equal(event.message, 'bob@example.com as system:serviceaccount:payments:deployer create pods/debug-7kq2x in payments: 201');
});

const outcomes: [unknown, string][] = [[200, 'success'], [201, 'success'], [101, 'success'], [403, 'failure'], [500, 'failure'], [undefined, 'unknown']];
for (const [code, outcome] of outcomes) {
  test(`k8s-audit: response code ${code} is outcome ${outcome}`, () => {
    const event = one({ responseStatus: code === undefined ? undefined : { metadata: {}, code } });
    assert.equal(event.event?.outcome, outcome);
  });
}

const verbs: [string, string][] = [
  ['create', 'creation'], ['update', 'change'], ['patch', 'change'], ['delete', 'deletion'], ['deletecollection', 'deletion'],
  ['get', 'access'], ['list', 'access'], ['watch', 'access'], ['post', 'creation'], ['escalate', 'info'], ['constructor', 'info'],
];
for (const [verb, type] of verbs) {
  test(`k8s-audit: verb ${verb} is event.type ${type}`, () => assert.deepEqual(one({ verb }).event?.type, [type]));
}

test('k8s-audit: the authorization decision adds allowed or denied', () => {
  assert.deepEqual(one({ annotations: { 'authorization.k8s.io/decision': 'allow' } }).event?.type, ['access', 'allowed']);
  assert.deepEqual(one({ annotations: { 'authorization.k8s.io/decision': 'forbid' } }).event?.type, ['access', 'denied']);
});

const categories: { name: string; objectRef: Record<string, string>; category: string[] }[] = [
  { name: 'a pod is api', objectRef: { resource: 'pods' }, category: ['api'] },
  { name: 'a secret is api only', objectRef: { resource: 'secrets' }, category: ['api'] },
  { name: 'a role binding is api and iam', objectRef: { resource: 'rolebindings', apiGroup: 'rbac.authorization.k8s.io' }, category: ['api', 'iam'] },
  { name: 'a service account token is api and iam', objectRef: { resource: 'serviceaccounts', subresource: 'token' }, category: ['api', 'iam'] },
];
for (const c of categories) {
  test(`k8s-audit: ${c.name}`, () => assert.deepEqual(one({ objectRef: c.objectRef }).event?.category, c.category));
}

const messages: { name: string; extra: Record<string, unknown>; message: string }[] = [
  { name: 'a denied read', extra: { responseStatus: { code: 403, reason: 'Forbidden' } }, message: 'alice get pods/p in ns: 403 Forbidden' },
  { name: 'an exec', extra: { verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', name: 'p', namespace: 'ns' }, responseStatus: { code: 101 } }, message: 'alice create pods/p/exec in ns: 101' },
  { name: 'a non-resource request', extra: { objectRef: undefined, requestURI: '/healthz' }, message: 'alice get /healthz: 200' },
  { name: 'an early stage', extra: { stage: 'RequestReceived', responseStatus: undefined }, message: 'alice get pods/p in ns (RequestReceived)' },
  { name: 'a request without user or verb', extra: { user: undefined, verb: undefined }, message: 'unknown user unknown verb pods/p in ns: 200' },
];
for (const c of messages) {
  test(`k8s-audit: message of ${c.name}`, () => assert.equal(one(c.extra).message, c.message));
}

test('k8s-audit: a forbidden request carries the reason the API server gave', () => {
  const [, complete] = normalized('k8s-audit', forbidden);
  assert.equal(complete.event?.outcome, 'failure');
  assert.deepEqual(complete.event?.type, ['access', 'denied']);
  assert.match(complete.event?.reason ?? '', /^secrets "bootstrap-token-abcdef" is forbidden/);
});

test('k8s-audit: an address Elasticsearch would reject is not put in source.ip', () => {
  assert.equal(one({ sourceIPs: ['not-an-ip'] }).source, undefined);
});

test('k8s-audit: a truncated event is tagged', () => {
  const events = normalized('k8s-audit', mixed);
  assert.deepEqual(events.map((e) => e.tags?.includes('truncated') ?? false), [false, false, false, false, false, true]);
});

test('k8s-audit: an item that is not an object becomes a tagged event beside the good ones', () => {
  const events = normalized('k8s-audit', list(item(), 'oops', item({ stage: 'Panic' })));
  assert.deepEqual(events.map((e) => e.tags?.includes('parse_failure') ?? false), [false, true, false]);
  assert.equal(events[1].event?.original, '"oops"');
  assert.equal(events[1].event?.module, 'kubernetes');
});

test('k8s-audit: big integers inside request objects keep every digit', () => {
  const body = list(item()).replace('"code":200', '"code":200,"details":{"n":12345678901234567890}');
  const out = JSON.stringify(normalized('k8s-audit', body));
  assert.equal(out.split('12345678901234567890').length - 1, 2, 'in the original and under kubernetes.audit');
});

const notAudit: { name: string; body: string; reason: RegExp }[] = [
  { name: 'invalid JSON', body: '{"kind":"EventList",', reason: /^invalid JSON/ },
  { name: 'an unrelated object', body: '{"hello":"world"}', reason: /^k8s-audit body is not an EventList/ },
  { name: 'a number', body: '42', reason: /^k8s-audit body is not an EventList/ },
];
for (const c of notAudit) {
  test(`k8s-audit: ${c.name} fails with a reason`, () => {
    const result = k8sAudit.parse(c.body, { receivedAt: 0 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', c.reason);
  });
}
