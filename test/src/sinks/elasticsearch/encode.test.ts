import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bulkBody, bulkBodyFromParts, bulkParts, encodeBulkItem } from '../../../../src/sinks/elasticsearch/encode.ts';
import { fixtureEvents } from '../../../support/doubles/sink-events.ts';

const [falco] = fixtureEvents();

test('encodes a create action keyed by the event id, then the event, each line ending in a newline', () => {
  const lines = encodeBulkItem(falco!).split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[2], '', 'the item ends with a newline');
  assert.deepEqual(JSON.parse(lines[0]!), { create: { _id: falco!.id } });
  assert.equal(lines[1], falco!.json);
});

test('keeps every digit of integers beyond 2^53 because the event text is copied, not re-serialised', () => {
  assert.ok(falco!.json.includes('1741944413589793238'));
  assert.ok(encodeBulkItem(falco!).includes('"evt.time":1741944413589793238'));
});

test('escapes an id that contains JSON metacharacters', () => {
  const id = 'a"b\\c';
  const action = encodeBulkItem({ ...falco!, id }).split('\n')[0]!;
  assert.equal(JSON.parse(action).create._id, id);
});

test('puts pretty-printed event JSON on one line without changing its value', () => {
  const pretty = JSON.stringify({ a: 1, b: { c: 'line\nbreak' } }, null, 2);
  const lines = encodeBulkItem({ ...falco!, json: pretty }).split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[1]!), JSON.parse(pretty));
});

test('joins items into one body whose last line ends with a newline', () => {
  const events = fixtureEvents();
  const body = bulkBody(events.map(encodeBulkItem)).toString("utf8");
  assert.ok(body.endsWith('\n'));
  assert.equal(body.split('\n').length - 1, events.length * 2);
});

test('a body built from source bytes is byte for byte the body built from text', () => {
  const events = fixtureEvents();
  const fromParts = bulkBodyFromParts(events.map((event) => bulkParts(event.id, Buffer.from(event.json))));
  assert.deepEqual(fromParts, bulkBody(events.map(encodeBulkItem)));
  assert.equal(fromParts.length, events.map((event) => bulkParts(event.id, Buffer.from(event.json)).bytes).reduce((a, b) => a + b, 0));
});
