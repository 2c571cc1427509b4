import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processEventByEvent, processPayload } from '../../../src/pipeline/process-batch.ts';
import { decodeRawBatch, decodeSinkBatch, encodeRawBatch } from '../../../src/pipeline/codec.ts';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';

const raw = (text: string): RawEvent => ({ format: 'json', text, receivedAt: 1_750_000_000_000, input: 'http', listener: 'http', peer: '127.0.0.1:1' });

test('a batch that kills the processing thread is redone event by event; the event that fails alone goes out unparsed', async () => {
  const payload = encodeRawBatch([raw('{"a":1}'), raw('{"poison":true}'), raw('{"b":2}')]);
  // A stand-in for the thread pool: it dies on any batch holding the poison event.
  const run = async (p: string) => {
    if (decodeRawBatch(p).some((r) => r.text.includes('poison'))) throw new Error('process thread exited with code 1');
    return processPayload(p);
  };
  await assert.rejects(run(payload));
  const batch = await processEventByEvent(payload, run);
  assert.equal(batch.n, 3);
  const events = decodeSinkBatch(batch.z!).map((e) => JSON.parse(e.json));
  assert.deepEqual(events.map((e) => e.event.original), ['{"a":1}', '{"poison":true}', '{"b":2}']);
  assert.deepEqual(events[1].tags, ['parse_failure']);
  assert.match(events[1].error.message, /^processing failed: process thread exited/);
  assert.equal(events[0].tags, undefined);
  assert.deepEqual(batch.failed, { json: 1 });
  assert.deepEqual(batch.parsed, { json: 2 });
});
