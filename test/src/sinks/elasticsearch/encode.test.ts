import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkBodyFromParts, bulkItem as bulkItemTo, streamTarget } from '../../../../src/sinks/elasticsearch/encode.ts';
import { decodeSinkBatch, encodeSinkBatch } from '../../../../src/pipeline/codec.ts';
import { jsonBytes } from '../../../../src/sinks/kit/json-bytes.ts';
import type { SinkEvent } from '../../../../src/sinks/kit/types.ts';
import { fixtureEvents } from '../../../support/doubles/sink-events.ts';

const [falco] = fixtureEvents();
const target = streamTarget('logs-falco.alerts-default', { type: 'logs', dataset: 'falco.alerts', namespace: 'default' });
const bulkItem = (event: SinkEvent) => bulkItemTo(event, target);

/** The bulk body the sink sends for `events`. */
const bulkText = (events: SinkEvent[]) => bulkBodyFromParts(events.map(bulkItem)).toString('utf8');

test('encodes a create action into the data stream keyed by the event id, then the event with data_stream first, each line ending in a newline', () => {
  const lines = bulkText([falco!]).split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], '', 'the item ends with a newline');
  assert.deepEqual(JSON.parse(lines[0]!), { create: { _index: 'logs-falco.alerts-default', _id: falco!.id } });
  assert.deepEqual(JSON.parse(lines[1]!), { data_stream: { type: 'logs', dataset: 'falco.alerts', namespace: 'default' }, ...JSON.parse(falco!.json) });
  assert.ok(lines[1]!.endsWith(falco!.json.slice(1)), 'the event text itself is copied as it is');
});

test('an empty event still becomes a valid document', () => {
  const lines = bulkText([{ ...falco!, json: '{}' }]).split('\n');
  assert.deepEqual(JSON.parse(lines[1]!), { data_stream: { type: 'logs', dataset: 'falco.alerts', namespace: 'default' } });
});

test('keeps every digit of integers beyond 2^53 because the event text is copied, not re-serialised', () => {
  assert.ok(falco!.json.includes('1741944413589793238'));
  assert.ok(bulkText([falco!]).includes('"evt.time":1741944413589793238'));
});

test('escapes an id that contains JSON metacharacters', () => {
  const id = 'a"b\\c';
  const action = bulkText([{ ...falco!, id }]).split('\n')[0]!;
  assert.equal(JSON.parse(action).create._id, id);
});

test('puts pretty-printed event JSON on one line without changing its value', () => {
  const pretty = JSON.stringify({ a: 1, b: { c: 'line\nbreak' } }, null, 2);
  const lines = bulkText([{ ...falco!, json: pretty }]).split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[1]!), { data_stream: { type: 'logs', dataset: 'falco.alerts', namespace: 'default' }, ...JSON.parse(pretty) });
});

test('joins items into one body whose last line ends with a newline', () => {
  const events = fixtureEvents();
  const body = bulkText(events);
  assert.ok(body.endsWith('\n'));
  assert.equal(body.split('\n').length - 1, events.length * 2);
});

test('a body built from a sink batch\'s source bytes is byte for byte the body built from text', () => {
  const events = fixtureEvents();
  const decoded = decodeSinkBatch(encodeSinkBatch(events));
  assert.ok(decoded.every((event) => jsonBytes(event) !== undefined), 'decoded events carry their JSON as bytes');
  const fromBytes = bulkBodyFromParts(decoded.map(bulkItem));
  assert.deepEqual(fromBytes, bulkBodyFromParts(events.map(bulkItem)));
  assert.equal(fromBytes.toString('utf8'), bulkText(events));
  assert.equal(fromBytes.length, decoded.map((event) => bulkItem(event).bytes).reduce((a, b) => a + b, 0));
});
