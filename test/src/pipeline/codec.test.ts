import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSinkBatch, encodeSinkBatch } from '../../../src/pipeline/codec.ts';
import { jsonBytes } from '../../../src/sinks/kit/json-bytes.ts';
import { fixtureEvents } from '../../support/doubles/sink-events.ts';

test('a decoded sink batch carries each event\'s JSON as the exact bytes, and as text on demand', () => {
  const events = fixtureEvents();
  const decoded = decodeSinkBatch(encodeSinkBatch(events));
  assert.equal(decoded.length, events.length);
  decoded.forEach((event, i) => {
    assert.equal(jsonBytes(event)!.toString('utf8'), events[i]!.json, 'bytes are the JSON text, big integers and non-ASCII included');
    assert.deepEqual({ ...event }, events[i], 'a copy reads as a plain event');
  });
});

test('the bytes never travel in copies or serialisations, and a new json text drops them', () => {
  const [event] = decodeSinkBatch(encodeSinkBatch(fixtureEvents().slice(0, 1)));
  assert.equal(jsonBytes({ ...event! }), undefined);
  assert.equal((JSON.parse(JSON.stringify(event)) as { json: string }).json, event!.json, 'a dead letter keeps the JSON text');
  assert.doesNotMatch(JSON.stringify(event), /"type":"Buffer"/);
  event!.json = '{"changed":true}';
  assert.equal(jsonBytes(event!), undefined);
  assert.deepEqual(decodeSinkBatch(encodeSinkBatch([event!]))[0]!.json, '{"changed":true}');
});
