import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { decodeRawBatch, decodeSinkBatch, decodeSinkBatchAsync, encodeRawBatch, encodeSinkBatch, frameContentSize } from '../../../src/pipeline/codec.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';
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
  assert.deepEqual(Object.keys(meta).sort(), ['cluster', 'dataset', 'host', 'id', 'level', 'module', 'namespace', 'timestamp', 'workload'], 'and the rest are the routing fields alone');
  assert.equal((JSON.parse(JSON.stringify(event)) as { json: string }).json, event!.json, 'a dead letter keeps the JSON text');
  assert.doesNotMatch(JSON.stringify(event), /"type":"Buffer"/);
  event!.json = '{"changed":true}';
  assert.equal(jsonBytes(event!), undefined);
  assert.deepEqual(decodeSinkBatch(encodeSinkBatch([event!]))[0]!.json, '{"changed":true}');
});

test('a sink batch writes the routing fields its events share once, and each event\'s own id, timestamp and JSON', () => {
  const [first] = fixtureEvents();
  const many = Array.from({ length: 1000 }, (_, i) => ({ ...first!, id: `id-${i}`, timestamp: `2025-06-03T14:00:${String(i % 60).padStart(2, '0')}.000Z` }));
  const payload = encodeSinkBatch(many);
  const bytes = zstdDecompressSync(Buffer.from(payload, 'base64')).toString('utf8');
  assert.equal(bytes.split(first!.dataset).length - 1, 1 + (first!.json.split(first!.dataset).length - 1) * many.length,
    'the dataset is written once for the batch, besides where each event\'s JSON holds it');
  const decoded = decodeSinkBatch(payload);
  assert.deepEqual(decoded.map((e) => JSON.parse(JSON.stringify(e))), many);
  assert.deepEqual(decoded.map((e) => e.id), many.map((e) => e.id));
});

test('a sink batch written as two JSON lines per event (by an older vigil, still stored in Redis) decodes as before', () => {
  const events = fixtureEvents();
  const lines = events.map(({ json, ...meta }) => `${JSON.stringify(meta)}\n${json}\n`).join('');
  const legacy = zstdCompressSync(Buffer.from(lines)).toString('base64');
  const decoded = decodeSinkBatch(legacy);
  assert.deepEqual(decoded.map((e) => JSON.parse(JSON.stringify(e))), events);
  decoded.forEach((event, i) => assert.equal(jsonBytes(event)!.toString('utf8'), events[i]!.json));
});

test('the decompressed size is read from the zstd frame header, so batches decompress in one piece', () => {
  for (const count of [0, 1, 3, 400]) {
    const events = count === 0 ? [] : fixtureEvents().flatMap((e, i) => Array.from({ length: Math.ceil(count / 5) }, (_, k) => ({ ...e, id: `${e.id}-${i}-${k}` }))).slice(0, count);
    const payload = encodeSinkBatch(events);
    const frame = Buffer.from(payload, 'base64');
    assert.equal(frameContentSize(frame), zstdDecompressSync(frame).length, `${count} events`);
    assert.deepEqual(decodeSinkBatch(payload).map((e) => e.json), events.map((e) => e.json));
  }
  assert.equal(frameContentSize(Buffer.from('not zstd at all')), undefined);
});

test('a raw batch gives back every event as it was, texts of any content and shared fields written once', () => {
  const events: RawEvent[] = [
    { format: 'syslog', text: 'line one', receivedAt: 1765000000123.5, input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:514' },
    { format: 'syslog', text: 'line "two"\nwith LF, NUL \u0000 and 🛡 non-ASCII', receivedAt: 1765000000124, input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:514', tags: ['truncated'] },
    { format: 'syslog', text: '', receivedAt: 1765000000125, input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:514' },
    { format: 'falco', text: '{"rule":"x"}', receivedAt: 1765000000126, input: 'http', listener: 'http', peer: '[::1]:40000' },
    { format: 'falco', text: '{"rule":"y"}', receivedAt: 1765000000126, input: 'http', listener: 'http', peer: '[::1]:40000', cluster: 'prod' },
    {
      format: 'syslog', text: '<13>1 - - - - - over mutual TLS', receivedAt: 1765000000126, input: 'tls', listener: 'syslog-tls', peer: '10.0.0.3:6514',
      client: { subject: 'CN=relay, O=example', commonName: 'relay', alternativeNames: ['DNS:relay.example'] },
    },
    { format: 'syslog', text: 'back to the first', receivedAt: 1765000000127, input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:514' },
  ];
  assert.deepEqual(decodeRawBatch(encodeRawBatch(events)), events);
  assert.deepEqual(decodeRawBatch(encodeRawBatch([])), []);
  const many = Array.from({ length: 1000 }, (_, i) => ({ ...events[0]!, text: `event ${i}`, receivedAt: events[0]!.receivedAt + i }));
  const bytes = zstdDecompressSync(Buffer.from(encodeRawBatch(many), 'base64'));
  assert.equal(bytes.toString('latin1').split('syslog-tcp').length - 1, 1, 'the listener is written once for a batch of one origin');
});

test('a raw batch written as JSON lines (by an older vigil, still queued in Redis) decodes as before', () => {
  const events: RawEvent[] = [{ format: 'syslog', text: 'queued before the upgrade', receivedAt: 1765000000000, input: 'udp', listener: 'syslog-udp', peer: '10.0.0.2:514', tags: ['invalid_utf8'] }];
  const legacy = zstdCompressSync(Buffer.from(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`)).toString('base64');
  assert.deepEqual(decodeRawBatch(legacy), events);
});
