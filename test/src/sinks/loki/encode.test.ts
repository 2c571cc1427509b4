import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseLabels, encodeEntry, subMillisecond, pushBody, sanitizeLabelName, streamLabels } from '../../../../src/sinks/loki/encode.ts';
import { fixtureEvents, generatedEvents } from '../../../support/doubles/sink-events.ts';

const [falco, , neuvector] = fixtureEvents();
const base = baseLabels({});
const options = { metadata: true, fallbackNanos: 0n };

const names: Array<[string, string]> = [
  ['k8s.ns.name', 'k8s_ns_name'],
  ['app-name', 'app_name'],
  ['9lives', '_9lives'],
  ['__reserved', '_reserved'],
  ['env', 'env'],
];
for (const [input, expected] of names) {
  test(`sanitises the label name ${JSON.stringify(input)} to ${JSON.stringify(expected)}`, () => {
    assert.equal(sanitizeLabelName(input), expected);
    assert.match(sanitizeLabelName(input), /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  });
}

test('labels a stream with job, source module, dataset, level, cluster and namespace', () => {
  assert.deepEqual(streamLabels(neuvector!, base), {
    job: 'vigil', source: 'neuvector', dataset: 'neuvector.violation', level: 'warning', cluster: 'prod-eu-1', namespace: 'payments',
  });
});

test('leaves out the labels an event has no value for', () => {
  assert.deepEqual(streamLabels(falco!, base), { job: 'vigil', source: 'falco', dataset: 'falco.alerts', level: 'notice', namespace: 'payments' });
});

test('adds static labels with sanitised names and lets them override job', () => {
  const labels = streamLabels(falco!, baseLabels({ 'deploy.env': 'prod', job: 'siem' }));
  assert.equal(labels.deploy_env, 'prod');
  assert.equal(labels.job, 'siem');
});

test('stamps an entry with the nanosecond digits of the event time, as a string', () => {
  const entry = encodeEntry(falco!, 0, base, options);
  const [timestamp, line, metadata] = JSON.parse(entry.text);
  assert.equal(timestamp, '1741944413589793238');
  assert.equal(line, falco!.json);
  assert.deepEqual(metadata, { event_id: falco!.id });
});

test('carries the workload key as structured metadata, never as a stream label (it is per pod owner, unbounded)', () => {
  const event = { ...falco!, workload: 'prod/shop/Deployment/checkout' };
  const entry = encodeEntry(event, 0, base, options);
  assert.deepEqual(JSON.parse(entry.text)[2], { event_id: falco!.id, workload: 'prod/shop/Deployment/checkout' });
  assert.ok(!Object.values(entry.labels).includes('prod/shop/Deployment/checkout'));
});

test('fills whole-second and millisecond times below the millisecond from the event id, and honours the zone offset', () => {
  const at = (timestamp: string, id = falco!.id) => JSON.parse(encodeEntry({ ...falco!, id, timestamp }, 0, base, options).text)[0];
  const offset = subMillisecond(falco!.id);
  assert.ok(offset >= 0n && offset < 1_000_000n);
  assert.equal(at('2025-06-03T14:07:05Z'), String(1748959625000000000n + offset));
  assert.equal(at('2025-06-03T14:07:05.123Z'), String(1748959625123000000n + offset));
  assert.equal(at('2025-06-03T16:07:05.123+02:00'), String(1748959625123000000n + offset));
  assert.equal(at('2025-06-03T14:07:05.123Z'), at('2025-06-03T14:07:05.123Z'), 'the same on every attempt');
  // A burst sharing its millisecond gets distinct timestamps, so Loki's report can name each.
  const burst = Array.from({ length: 200 }, (_, i) => at('2025-06-03T14:07:05.123Z', `burst-${i}`));
  assert.ok(new Set(burst).size >= 195, `${new Set(burst).size} distinct of 200`);
});

test('falls back to the send time when the event time cannot be read', () => {
  assert.equal(JSON.parse(encodeEntry({ ...falco!, timestamp: 'garbage' }, 0, base, { ...options, fallbackNanos: 42n }).text)[0], '42');
  assert.equal(JSON.parse(encodeEntry({ ...falco!, timestamp: 'garbage' }, 0, base, { ...options, fallbackNanos: 42_000_000n }).text)[0], String(42_000_000n + subMillisecond(falco!.id)));
});

test('leaves structured metadata out when it is turned off', () => {
  assert.equal(JSON.parse(encodeEntry(falco!, 0, base, { ...options, metadata: false }).text).length, 2);
});

test('groups entries into one stream per label set, each sorted by time, every entry once', () => {
  const events = generatedEvents(9).reverse();
  const entries = events.map((event, i) => encodeEntry(event, i, base, options));
  const body = JSON.parse(pushBody(entries));
  const streams = body.streams as Array<{ stream: Record<string, string>; values: string[][] }>;
  assert.equal(new Set(streams.map((s) => JSON.stringify(s.stream))).size, streams.length);
  for (const stream of streams) {
    const times = stream.values.map((value) => BigInt(value[0]!));
    assert.deepEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), times);
  }
  const lines = streams.flatMap((s) => s.values.map((value) => value[1]));
  assert.deepEqual(lines.sort(), events.map((e) => e.json).sort());
});
