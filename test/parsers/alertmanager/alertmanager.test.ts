import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { alertmanager } from '../../../parsers/alertmanager/index.ts';
import type { EcsEvent } from '../../../parsers/kit/ecs.ts';
import { normalize } from '../../../src/normalize/index.ts';
import { normalized } from '../json/property-kit.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/alertmanager/${name}`, import.meta.url), 'utf8');
const firing = fixture('firing-v4.json');
const resolved = fixture('resolved-v4-notification-reason.json');

const alert = (extra: Record<string, unknown> = {}) => ({
  status: 'firing', labels: { alertname: 'HighLoad', severity: 'warning' }, annotations: {},
  startsAt: '2025-03-14T10:00:00.5Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom/graph', fingerprint: 'abcdef0123456789', ...extra,
});
const notification = (...alerts: unknown[]) => JSON.stringify({ receiver: 'r', status: 'firing', alerts, version: '4', groupKey: '{}:{}', truncatedAlerts: 0 });
const one = (extra: Record<string, unknown> = {}): EcsEvent => normalized('alertmanager', notification(alert(extra)))[0];

test('alertmanager: one event per alert', () => {
  assert.equal(normalized('alertmanager', firing).length, 2);
  assert.equal(normalized('alertmanager', resolved).length, 2);
});

test('alertmanager: a firing alert is an alert at startsAt, without an end', () => {
  const [event] = normalized('alertmanager', firing);
  assert.equal(event.event?.kind, 'alert');
  assert.equal(event.event?.type, undefined);
  assert.equal(event['@timestamp'], '2025-03-14T10:05:42.118Z');
  assert.equal(event.event?.start, '2025-03-14T10:05:42.118Z');
  assert.equal(event.event?.end, undefined, 'the Go zero time means not set');
});

test('alertmanager: a resolved alert is an end event at endsAt, in UTC', () => {
  const events = normalized('alertmanager', resolved);
  assert.deepEqual(events.map((e) => [e.event?.kind, e.event?.type]), [['event', ['end']], ['event', ['end']]]);
  assert.deepEqual(events.map((e) => e['@timestamp']), ['2025-03-14T10:25:42.118Z', '2025-03-14T09:24:57.031Z']);
});

test('alertmanager: a resolved alert without a usable endsAt falls back to startsAt', () => {
  assert.equal(one({ status: 'resolved', endsAt: '0001-01-01T00:00:00Z' })['@timestamp'], '2025-03-14T10:00:00.500Z');
});

const severities: [string, number | undefined, string | undefined][] = [
  ['critical', 5, 'critical'], ['warning', 3, 'warning'], ['info', 1, 'info'], ['error', 4, 'error'], ['none', undefined, undefined], ['page', undefined, undefined],
];
for (const [label, severity, level] of severities) {
  test(`alertmanager: severity label ${label} is event.severity ${severity}`, () => {
    const event = one({ labels: { alertname: 'A', severity: label } });
    assert.equal(event.event?.severity, severity);
    assert.equal(event.log?.level, level);
  });
}

const messages: { name: string; annotations: Record<string, string>; labels?: Record<string, string>; message: string }[] = [
  { name: 'the summary first', annotations: { summary: 'S', description: 'D' }, message: 'S' },
  { name: 'the description without a summary', annotations: { description: 'D' }, message: 'D' },
  { name: 'the alert name without annotations', annotations: {}, message: 'HighLoad' },
  { name: 'the fingerprint when nothing else is there', annotations: {}, labels: {}, message: 'alert abcdef0123456789' },
];
for (const c of messages) {
  test(`alertmanager: message is ${c.name}`, () => {
    assert.equal(one({ annotations: c.annotations, ...(c.labels ? { labels: c.labels } : {}) }).message, c.message);
  });
}

test('alertmanager: rule name, namespace and cluster come from the labels', () => {
  const event = one({ labels: { alertname: 'PodCrash', namespace: 'payments', cluster: 'prod-eu' } });
  assert.equal(event.rule?.name, 'PodCrash');
  assert.deepEqual(event.orchestrator, { namespace: 'payments', cluster: { name: 'prod-eu' } });
});

test('alertmanager: re-notifications of the same alert share one id; firing and resolved differ', () => {
  const ids = (text: string, receivedAt: number) => normalize({ format: 'alertmanager', text, receivedAt, input: 'http', listener: 'http', peer: '192.0.2.9:1' }).map((e) => e.event?.id);
  assert.deepEqual(ids(firing, 1), ids(firing, 2));
  const firingIds = ids(firing, 1);
  const resolvedIds = ids(resolved, 1);
  assert.notEqual(firingIds[0], resolvedIds[0]);
  assert.equal(new Set([...firingIds, ...resolvedIds]).size, 4);
});

test('alertmanager: keeps the alert and the notification keys under alertmanager.*', () => {
  const [event] = normalized('alertmanager', resolved);
  const body = JSON.parse(resolved);
  assert.deepEqual(event.alertmanager, {
    ...body.alerts[0], receiver: body.receiver, groupKey: body.groupKey, externalURL: body.externalURL,
    notification_reason: 'all alerts resolved', truncatedAlerts: 0,
  });
  const [older] = normalized('alertmanager', firing);
  assert.equal(Object.hasOwn(older.alertmanager as object, 'notification_reason'), false, 'pre-0.32 senders have none');
});

test('alertmanager: each event keeps its own alert, compact, as original', () => {
  const events = normalized('alertmanager', resolved);
  const alerts = JSON.parse(resolved).alerts;
  events.forEach((event, i) => {
    assert.ok(!event.event?.original?.includes('\n'));
    assert.deepEqual(JSON.parse(event.event!.original!), alerts[i]);
  });
});

test('alertmanager: an alert that is not an object becomes a tagged event beside the good ones', () => {
  const events = normalized('alertmanager', notification(alert(), null));
  assert.deepEqual(events.map((e) => e.tags?.includes('parse_failure') ?? false), [false, true]);
  assert.equal(events[1].event?.original, 'null');
});

const notNotifications: { name: string; body: string; reason: RegExp }[] = [
  { name: 'invalid JSON', body: '{"alerts":[', reason: /^invalid JSON/ },
  { name: 'an object without alerts', body: '{"receiver":"r"}', reason: /^alertmanager body is not a webhook notification/ },
  { name: 'alerts that are not an array', body: '{"alerts":{}}', reason: /^alertmanager body is not a webhook notification/ },
];
for (const c of notNotifications) {
  test(`alertmanager: ${c.name} fails with a reason`, () => {
    const result = alertmanager.parse(c.body, { receivedAt: 0 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', c.reason);
  });
}
