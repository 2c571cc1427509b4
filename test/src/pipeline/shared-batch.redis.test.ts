import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testRedisPerFile } from '../../support/redis.ts';
import { SharedBatches } from '../../../src/pipeline/shared-batch.ts';
import { INGEST_QUEUE, INGEST_JOB_OPTIONS, keyLayout, openQueue, sinkJobOptions, sinkQueueName } from '../../../src/pipeline/queues.ts';
import { ioredisOptions } from '../../../src/redis/redis-server.ts';

const testRedis = testRedisPerFile();

let prefixes = 0;
/** Bytes no UTF-8 or base64 round trip would leave as they are. */
const payload = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xff, 0x0a, 0x80, 0xc3]);

test('a batch is stored once for every sink, read back byte for byte, and deleted by the last sink to release it', async () => {
  const prefix = `sb${++prefixes}`;
  const batches = new SharedBatches(testRedis.client, keyLayout(prefix));
  await batches.store('b1', payload, ['elasticsearch', 'loki']);
  assert.deepEqual(await batches.read('b1'), payload);

  await batches.release('b1', 'elasticsearch');
  await batches.release('b1', 'elasticsearch');
  assert.deepEqual(await batches.read('b1'), payload, 'one sink released twice still leaves the batch to the other');

  // A redone fan-out stores the batch again for the sinks it adds a job for: loki's claim is
  // already there, splunk's is new; the batch stays as it was.
  await batches.store('b1', Buffer.from('other'), ['loki', 'splunk']);
  assert.deepEqual(await batches.read('b1'), payload, 'the stored batch is kept as it is');
  await batches.release('b1', 'loki');
  assert.deepEqual(await batches.read('b1'), payload, 'splunk still holds it');
  await batches.release('b1', 'splunk');
  assert.equal(await batches.read('b1'), null);
  assert.equal(await testRedis.client.exists(keyLayout(prefix).batch('b1')), 0);

  await batches.release('b1', 'loki');
  assert.equal(await testRedis.client.exists(keyLayout(prefix).batch('b1')), 0, 'a late release does not bring the key back');
});

test('the sweep deletes only batches that no job will read: raw batch processed and every holding sink job gone', async () => {
  // Glob characters in the prefix, which SCAN's pattern must take literally.
  const prefix = `sb${++prefixes}[x]?*`;
  const connection = { ...ioredisOptions(testRedis.redis.target), maxRetriesPerRequest: null };
  const ingest = openQueue(INGEST_QUEUE, { connection, prefix });
  const es = openQueue(sinkQueueName('elasticsearch'), { connection, prefix });
  const batches = new SharedBatches(testRedis.client, keyLayout(prefix));
  try {
    // Still being processed: its raw batch's job exists, so sink jobs may still be added.
    await batches.store('processing', payload, ['elasticsearch']);
    await ingest.add('batch', { z: '', n: 1 }, { ...INGEST_JOB_OPTIONS, jobId: 'processing' });
    // Processed; the Elasticsearch job waits (a sink down for days, say); Loki finished.
    await batches.store('waiting', payload, ['elasticsearch', 'loki']);
    await es.add('batch', { batch: 'waiting', n: 1 }, sinkJobOptions('waiting', 'elasticsearch'));
    await batches.release('waiting', 'loki');
    // Processed and delivered, but the process died before releasing it.
    await batches.store('orphan', payload, ['elasticsearch']);

    assert.equal(await batches.sweep(), 1);
    assert.equal(await batches.read('orphan'), null);
    assert.deepEqual(await batches.read('processing'), payload);
    assert.deepEqual(await batches.read('waiting'), payload);
  } finally {
    await Promise.all([ingest.close(), es.close()]);
  }
});
