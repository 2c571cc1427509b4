import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, compileFilters, filterSchema, remapSelections, SinkSelections } from '../../../src/pipeline/sink-filter.ts';
import { processEventByEvent, processPayload } from '../../../src/pipeline/process-batch.ts';
import { decodeSinkBatch, encodeRawBatch } from '../../../src/pipeline/codec.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';
import type { SinkEvent } from '../../../src/sinks/kit/types.ts';

const event = (fields: Partial<SinkEvent>): SinkEvent => ({ id: 'x', timestamp: '2025-06-03T14:00:00Z', dataset: 'neuvector.violation', module: 'neuvector', level: 'info', json: '{}', ...fields });
const filter = (config: unknown) => compileFilter(filterSchema.parse(config));

test('no rule: no filter to run', () => {
  assert.equal(filter({}), undefined);
  assert.equal(filter(undefined), undefined);
});

test('min_severity keeps that level and every more severe one', () => {
  const f = filter({ min_severity: 'critical' })!;
  assert.deepEqual(['emergency', 'alert', 'critical', 'error', 'warning', 'info', 'debug'].map((level) => f(event({ level }))),
    [undefined, undefined, undefined, 'severity', 'severity', 'severity', 'severity']);
});

test('datasets include and exclude, with * wildcards; exclude wins', () => {
  const f = filter({ datasets: { include: ['neuvector.*', 'falco.alerts'], exclude: ['neuvector.audit'] } })!;
  assert.equal(f(event({ dataset: 'neuvector.threat' })), undefined);
  assert.equal(f(event({ dataset: 'falco.alerts' })), undefined);
  assert.equal(f(event({ dataset: 'neuvector.audit' })), 'dataset');
  assert.equal(f(event({ dataset: 'syslog.log' })), 'dataset');
  assert.equal(f(event({ dataset: 'neuvectorXviolation' })), 'dataset', 'a dot is a dot, not any character');
});

test('clusters and namespaces: an event naming none matches no include list and no exclude list', () => {
  const include = filter({ clusters: { include: ['prod-*'] }, namespaces: { include: ['shop'] } })!;
  assert.equal(include(event({ cluster: 'prod-eu', namespace: 'shop' })), undefined);
  assert.equal(include(event({ cluster: 'staging', namespace: 'shop' })), 'cluster');
  assert.equal(include(event({ namespace: 'shop' })), 'cluster');
  assert.equal(include(event({ cluster: 'prod-eu', namespace: 'kube-system' })), 'namespace');
  const exclude = filter({ namespaces: { exclude: ['kube-*'] } })!;
  assert.equal(exclude(event({})), undefined);
  assert.equal(exclude(event({ namespace: 'kube-system' })), 'namespace');
});

test('the first failed rule is the reason: severity, dataset, cluster, namespace', () => {
  const f = filter({ min_severity: 'error', datasets: { include: ['falco.*'] }, namespaces: { include: ['shop'] } })!;
  assert.equal(f(event({ level: 'info', dataset: 'syslog.log' })), 'severity');
  assert.equal(f(event({ level: 'error', dataset: 'syslog.log' })), 'dataset');
  assert.equal(f(event({ level: 'error', dataset: 'falco.alerts' })), 'namespace');
});

test('the schema is strict and names a typo', () => {
  assert.equal(filterSchema.safeParse({ min_severty: 'error' }).success, false);
  assert.equal(filterSchema.safeParse({ min_severity: 'fatal' }).success, false);
});

test('selections: omitted for a sink that gets every event, empty for one that gets none, counted by reason', () => {
  const selections = new SinkSelections(compileFilters({
    all: filterSchema.parse({}),
    critical: filterSchema.parse({ min_severity: 'critical' }),
    nothing: filterSchema.parse({ datasets: { include: ['none'] } }),
  }));
  for (const level of ['info', 'critical', 'warning', 'alert']) selections.add(event({ level }));
  assert.deepEqual(selections.result(), {
    selections: { critical: [1, 3], nothing: [] },
    filtered: { critical: { severity: 2 }, nothing: { dataset: 4 } },
  });
  assert.deepEqual(new SinkSelections([]).result(), {}, 'no filter: nothing to say');
});

test('selections are renumbered when events leave the batch; a sink left with all of them needs none', () => {
  assert.deepEqual(remapSelections({ a: [0, 2, 3], b: [1, 3] }, [0, 2, 3]), { b: [2] });
  assert.deepEqual(remapSelections({ a: [0, 2] }, [0, 2]), undefined);
  assert.equal(remapSelections(undefined, [0]), undefined);
});

const raw = (text: string): RawEvent => ({ format: 'json', text, receivedAt: 1_750_000_000_000, input: 'http', listener: 'http', peer: '127.0.0.1:1' });

test('the process stage selects per sink from the one batch it encodes, also when it redoes a batch event by event', async () => {
  const filters = compileFilters({ soc: filterSchema.parse({ datasets: { include: ['nothing.*'] } }), rest: filterSchema.parse({ datasets: { exclude: ['nothing.*'] } }) });
  const payload = encodeRawBatch([raw('{"a":1}'), raw('{"b":2}')]);
  const whole = processPayload(payload, filters);
  assert.equal(decodeSinkBatch(whole.z!).length, 2, 'one batch, never a copy per sink');
  assert.deepEqual(whole.selections, { soc: [] });
  assert.deepEqual(whole.filtered, { soc: { dataset: 2 } });
  const byEvent = await processEventByEvent(payload, async (p) => processPayload(p, filters), filters);
  assert.deepEqual([byEvent.selections, byEvent.filtered], [whole.selections, whole.filtered]);
});
