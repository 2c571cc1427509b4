import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testRedisPerFile } from '../support/redis.ts';
import { MemorySink, waitFor } from '../support/memory-sink.ts';
import { startPipeline, type Pipeline } from '../../src/pipeline/pipeline.ts';
import { ioredisOptions } from '../../src/redis/redis-server.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { encodeRawBatch } from '../../src/pipeline/codec.ts';
import { INGEST_JOB_OPTIONS, INGEST_QUEUE, keyLayout, openQueue, sinkQueueName, type SinkBatchJob } from '../../src/pipeline/queues.ts';
import type { RawEvent } from '../../src/normalize/raw-event.ts';

const testRedis = testRedisPerFile();

const policy = { concurrency: 2, initial_backoff_ms: 10, max_backoff_ms: 50, max_attempts: 1000 };
let prefixes = 0;

async function pipelineWith(prefix: string, sinks: MemorySink[]): Promise<Pipeline> {
  return startPipeline({
    redis: { options: ioredisOptions(testRedis.redis.target) },
    prefix,
    roles: { ingest: true, process: true, deliver: true },
    batch: { maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 5 },
    processConcurrency: 2,
    processThreads: 1,
    sinks: sinks.map((sink) => ({ sink, policy })),
    metrics: new Metrics(),
    logger: silentLogger,
  });
}

const raws = (n: number, from = 0): RawEvent[] => Array.from({ length: n }, (_, i) => ({
  format: 'json', text: `{"n":${from + i}}`, receivedAt: 1_750_000_000_000 + from + i, input: 'http', listener: 'http', peer: '127.0.0.1:1',
}));
const numberOf = (json: string) => Number(/"n":(\d+)/.exec(json)?.[1]);
const batchKeys = (prefix: string) => testRedis.client.keys(keyLayout(prefix).batch('*'));
const jobKey = (prefix: string, queue: string, id: string) => keyLayout(prefix).job(queue, id);

test('each batch is stored once for all sinks, their jobs name it, a retry names only the events left, and the last sink deletes it', async () => {
  const prefix = `fo${++prefixes}`;
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  let open = false;
  // b takes the even events and asks for the odd ones again until it is opened.
  b.script = (event) => (open || numberOf(event.json) % 2 === 0 ? { kind: 'ok' } : { kind: 'retry', reason: 'unavailable' });
  const pipeline = await pipelineWith(prefix, [a, b]);
  try {
    for (const from of [0, 100, 200]) await pipeline.submit(raws(100, from));
    await waitFor(() => a.accepted.length >= 300 && b.accepted.length >= 150, 20_000, 'a to take all, b the even events');
    const keys = await batchKeys(prefix);
    assert.equal(keys.length, 3, 'one stored batch per raw batch of 100, not one per sink');
    // A sink releases its claim when BullMQ completes its job, just after the sink accepted the events.
    const claims = async () => Promise.all(keys.map(async (key) => (await testRedis.client.hkeys(key)).filter((f) => f.startsWith('sink:'))));
    await waitFor(async () => (await claims()).every((c) => c.length === 1), 5_000, 'a to release its claims');
    for (const c of await claims()) assert.deepEqual(c, ['sink:b'], 'a released what it delivered');

    const queue = `${prefix}:${sinkQueueName('b')}`;
    const waiting = [...await testRedis.client.zrange(`${queue}:delayed`, '0', '-1'), ...await testRedis.client.lrange(`${queue}:wait`, 0, -1)];
    assert.ok(waiting.length > 0);
    for (const id of waiting) {
      const data = JSON.parse((await testRedis.client.hget(jobKey(prefix, sinkQueueName('b'), id), 'data'))!) as SinkBatchJob;
      assert.equal(data.z, undefined, 'no copy of the batch in the job');
      assert.equal(data.only?.length, 50, 'the job names the 50 odd events of its batch');
      assert.ok(data.only!.every((i) => i % 2 === 1));
    }

    open = true;
    await waitFor(() => b.accepted.length >= 300, 20_000, 'b to take the rest');
    await waitFor(async () => (await batchKeys(prefix)).length === 0, 5_000, 'every stored batch deleted');
    assert.deepEqual([a.duplicates(), b.duplicates()], [[], []]);
    assert.deepEqual(new Set(b.accepted.map((e) => numberOf(e.json))).size, 300);
  } finally {
    await pipeline.stop();
  }
});

test('a raw batch processed again (a crash before its job completed) adds no job and no claim for sinks that got one, done or not', async () => {
  const prefix = `fo${++prefixes}`;
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  let open = false;
  b.script = () => (open ? { kind: 'ok' } : { kind: 'retry', reason: 'unavailable' });
  const pipeline = await pipelineWith(prefix, [a, b]);
  const ingest = openQueue(INGEST_QUEUE, { connection: { ...ioredisOptions(testRedis.redis.target), maxRetriesPerRequest: null }, prefix });
  const job = { z: encodeRawBatch(raws(10)), n: 10 };
  // The same job again, marked as started once before: what the stalled-job check hands out.
  const redo = async () => {
    await ingest.add('batch', job, { ...INGEST_JOB_OPTIONS, jobId: 'crashed', delay: 300 });
    await testRedis.client.hset(jobKey(prefix, INGEST_QUEUE, 'crashed'), 'ats', '1');
    await waitFor(async () => (await testRedis.client.exists(jobKey(prefix, INGEST_QUEUE, 'crashed'))) === 0, 20_000, 'the redone job to complete');
    await new Promise((r) => setTimeout(r, 200));
  };
  try {
    await ingest.add('batch', job, { ...INGEST_JOB_OPTIONS, jobId: 'crashed' });
    await waitFor(() => a.accepted.length >= 10, 20_000, 'a to deliver');
    const key = keyLayout(prefix).batch('crashed');
    await waitFor(async () => (await testRedis.client.hexists(key, 'sink:a')) === 0, 5_000, 'a to release the batch');

    await redo();
    assert.deepEqual((await testRedis.client.hkeys(key)).filter((f) => f.startsWith('sink:')), ['sink:b'], 'a, done, got no claim back');
    open = true;
    await waitFor(() => b.accepted.length >= 10, 20_000, 'b to deliver');
    await waitFor(async () => (await batchKeys(prefix)).length === 0, 5_000, 'the stored batch deleted by b');

    await redo();
    assert.deepEqual(await batchKeys(prefix), [], 'no batch stored again for sinks that are done with it');
    assert.deepEqual([a.accepted.length, b.accepted.length], [10, 10]);
  } finally {
    await ingest.close();
    await pipeline.stop();
  }
});
