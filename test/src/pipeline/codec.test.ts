import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSinkBatch, decodeSinkBatchAsync, encodeSinkBatch, frameContentSize } from '../../../src/pipeline/codec.ts';
import { DecodedSinkEvent, jsonBytes } from '../../../src/sinks/kit/json-bytes.ts';
import { fixtureEvents } from '../../support/doubles/sink-events.ts';

test('a decoded sink batch carries each event\'s JSON as the exact bytes, and as text on demand', () => {
  const events = fixtureEvents();
  const decoded = decodeSinkBatch(encodeSinkBatch(events));
  assert.equal(decoded.length, events.length);
  decoded.forEach((event, i) => {
    assert.equal(jsonBytes(event)!.toString('utf8'), events[i]!.json, 'bytes are the JSON text, big integers and non-ASCII included');
    assert.deepEqual(JSON.parse(JSON.stringify(event)), events[i], 'serialised, it reads as a plain event');
    assert.deepEqual((event as DecodedSinkEvent).toJSON(), events[i]);
  });
});

test('the deliver stage\'s decoding, off the main thread, gives the same events with the same bytes', async () => {
  const payload = encodeSinkBatch(fixtureEvents());
  const onThread = decodeSinkBatch(payload);
  const offThread = await decodeSinkBatchAsync(payload);
  assert.deepEqual(offThread.map((e) => JSON.stringify(e)), onThread.map((e) => JSON.stringify(e)));
  assert.deepEqual(offThread.map((e) => jsonBytes(e)), onThread.map((e) => jsonBytes(e)));
  await assert.rejects(decodeSinkBatchAsync(Buffer.from('not zstd').toString('base64')), 'a corrupt payload fails the job, to be redone');
});

test('the bytes never travel in copies or serialisations, and a new json text drops them', () => {
  const [event] = decodeSinkBatch(encodeSinkBatch(fixtureEvents().slice(0, 1)));
  assert.equal(jsonBytes({ ...event! }), undefined);
  const { json, ...meta } = event!;
  assert.equal(json, event!.json, 'destructuring reads the text');
  assert.deepEqual(Object.keys(meta).sort(), ['cluster', 'dataset', 'host', 'id', 'level', 'module', 'namespace', 'timestamp'], 'and the rest are the routing fields alone');
  assert.equal((JSON.parse(JSON.stringify(event)) as { json: string }).json, event!.json, 'a dead letter keeps the JSON text');
  assert.doesNotMatch(JSON.stringify(event), /"type":"Buffer"/);
  event!.json = '{"changed":true}';
  assert.equal(jsonBytes(event!), undefined);
  assert.deepEqual(decodeSinkBatch(encodeSinkBatch([event!]))[0]!.json, '{"changed":true}');
});

test('the decompressed size is read from the zstd frame header, so batches decompress in one piece', () => {
  for (const count of [0, 1, 3, 400]) {
    const events = count === 0 ? [] : fixtureEvents().flatMap((e, i) => Array.from({ length: Math.ceil(count / 5) }, (_, k) => ({ ...e, id: `${e.id}-${i}-${k}` }))).slice(0, count);
    const payload = encodeSinkBatch(events);
    const frame = Buffer.from(payload, 'base64');
    const expected = events.reduce((n, { json, ...meta }) => n + Buffer.byteLength(JSON.stringify(meta)) + Buffer.byteLength(json) + 2, 0);
    assert.equal(frameContentSize(frame), expected, `${count} events`);
    assert.deepEqual(decodeSinkBatch(payload).map((e) => e.json), events.map((e) => e.json));
  }
  assert.equal(frameContentSize(Buffer.from('not zstd at all')), undefined);
});
