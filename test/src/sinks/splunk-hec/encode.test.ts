import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHecEvent, sourcetypeOf, type HecEncoding } from '../../../../src/sinks/splunk-hec/encode.ts';
import { fixtureEvents } from '../../../support/doubles/sink-events.ts';

const events = fixtureEvents();
const falco = events[0]!;
const neuvector = events[2]!;
const plain: HecEncoding = { source: 'vigil', sourcetypePrefix: '', indexedFields: false };

test('encodes one HEC event object: epoch-seconds time, host, source, sourcetype and the whole event', () => {
  const text = encodeHecEvent(falco, plain);
  assert.ok(text.endsWith('}\n'));
  const object = JSON.parse(text);
  assert.deepEqual(Object.keys(object), ['time', 'host', 'source', 'sourcetype', 'event']);
  assert.equal(object.time, Date.parse('2025-03-14T09:26:53.589Z') / 1000);
  assert.equal(object.host, 'falco-7x2kq');
  assert.equal(object.source, 'vigil');
  assert.equal(object.sourcetype, 'falco:alerts');
  assert.deepEqual(object.event, JSON.parse(falco.json));
});

test('copies the event text, so integers beyond 2^53 keep every digit', () => {
  assert.ok(encodeHecEvent(falco, plain).includes(`"event":${falco.json}`));
});

test('writes time with millisecond decimals, cutting (not rounding) finer digits', () => {
  assert.match(encodeHecEvent(falco, plain), /^\{"time":1741944413\.589,/);
  assert.match(encodeHecEvent({ ...falco, timestamp: '2025-06-03T14:07:05Z' }, plain), /^\{"time":1748959625\.000,/);
  assert.match(encodeHecEvent({ ...falco, timestamp: '2025-06-03T15:07:05.5+01:00' }, plain), /^\{"time":1748959625\.500,/);
});

test('leaves time out when the event time cannot be read, so Splunk uses the receipt time', () => {
  assert.equal('time' in JSON.parse(encodeHecEvent({ ...falco, timestamp: 'not a time' }, plain)), false);
});

test('names the index only when one is configured', () => {
  assert.equal(JSON.parse(encodeHecEvent(falco, { ...plain, index: 'security' })).index, 'security');
  assert.equal('index' in JSON.parse(encodeHecEvent(falco, plain)), false);
});

test('derives the sourcetype from the dataset, with the configured prefix', () => {
  assert.equal(sourcetypeOf('neuvector.violation', ''), 'neuvector:violation');
  assert.equal(JSON.parse(encodeHecEvent(neuvector, { ...plain, sourcetypePrefix: 'vigil:' })).sourcetype, 'vigil:neuvector:violation');
});

test('adds flat string index-time fields when asked, only for what the event has', () => {
  assert.deepEqual(JSON.parse(encodeHecEvent(neuvector, { ...plain, indexedFields: true })).fields, {
    dataset: 'neuvector.violation', level: 'warning', cluster: 'prod-eu-1', namespace: 'payments',
  });
  assert.deepEqual(JSON.parse(encodeHecEvent(falco, { ...plain, indexedFields: true })).fields, {
    dataset: 'falco.alerts', level: 'notice', namespace: 'payments',
  });
  assert.equal('fields' in JSON.parse(encodeHecEvent(falco, plain)), false);
});
