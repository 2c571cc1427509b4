import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import assert from 'node:assert/strict';
import { startTestRedis, type TestRedis } from '../support/redis.ts';
import { MemorySink, waitFor } from '../support/memory-sink.ts';
import { startPipeline, type Pipeline } from '../../src/pipeline/pipeline.ts';
import { ioredisOptions } from '../../src/redis/redis-server.ts';
import { Metrics } from '../../src/metrics/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import type { RawEvent } from '../../src/normalize/raw-event.ts';
import { filterSchema, type FilterConfig } from '../../src/pipeline/sink-filter.ts';

let redis: TestRedis;
before(async () => { redis = await startTestRedis(); });
after(async () => { await redis.destroy(); });

const fastPolicy = { concurrency: 2, initial_backoff_ms: 10, max_backoff_ms: 50, max_attempts: 5 };
let prefixes = 0;

async function pipelineWith(sinks: MemorySink[], metrics = new Metrics(), filters: Record<string, FilterConfig> = {}): Promise<Pipeline> {
  return startPipeline({
    redis: { options: ioredisOptions(redis.target) },
    prefix: `t${++prefixes}`,
    roles: { ingest: true, process: true, deliver: true },
    batch: { maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 5 },
    processConcurrency: 2,
    processThreads: prefixes % 2, // both the inline path and a worker thread
    sinks: sinks.map((sink) => ({ sink, policy: fastPolicy, filter: filters[sink.name] })),
    metrics,
    logger: silentLogger,
  });
}

function raws(n: number, from = 0): RawEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    format: 'json', text: `{"n":${from + i}}`, receivedAt: 1_750_000_000_000 + from + i,
    input: 'http', listener: 'http', peer: '127.0.0.1:1',
  }));
}

const numberOf = (json: string) => Number(/"n":(\d+)/.exec(json)?.[1] ?? /\\"n\\":(\d+)/.exec(json)?.[1]);

test('every submitted event reaches every sink exactly once, through Redis', async () => {
  const a = new MemorySink('a');
  const b = new MemorySink('b');
  const metrics = new Metrics();
  const pipeline = await pipelineWith([a, b], metrics);
  try {
    await Promise.all([pipeline.submit(raws(250)), pipeline.submit(raws(250, 250))]);
    await waitFor(() => a.accepted.length >= 500 && b.accepted.length >= 500, 20_000, 'both sinks to get 500 events');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.accepted.length, 500);
    assert.equal(b.accepted.length, 500);
    assert.deepEqual(a.duplicates(), []);
    assert.deepEqual(new Set(a.accepted.map((e) => numberOf(e.json))).size, 500);
    assert.ok(a.sends <= 20, `batched: ${a.sends} sends for 500 events`);
    assert.match(await metrics.registry.metrics(), /vigil_events_forwarded_total\{sink="a"\} 500/);
  } finally {
    await pipeline.stop();
  }
});

test('retries only the events a sink asked to retry, and delivers each once', async () => {
  const sink = new MemorySink();
  sink.script = (event, attempt) => (numberOf(event.json) % 3 === 0 && attempt < 3 ? { kind: 'retry', reason: 'rate_limited' } : { kind: 'ok' });
  const metrics = new Metrics();
  const pipeline = await pipelineWith([sink], metrics);
  try {
    await pipeline.submit(raws(90));
    await waitFor(() => sink.accepted.length >= 90, 20_000, '90 deliveries');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sink.accepted.length, 90);
    assert.deepEqual(sink.duplicates(), []);
    const retried = [...sink.attempts.values()].filter((n) => n === 3).length;
    assert.equal(retried, 30, 'the 30 multiples of three took three attempts');
    assert.match(await metrics.registry.metrics(), /vigil_events_retried_total\{sink="memory",reason="rate_limited"\} 60/);
  } finally {
    await pipeline.stop();
  }
});

test('rejected events land in the dead-letter queue with the reason, and replay delivers them', async () => {
  const sink = new MemorySink();
  let fixed = false;
  sink.script = (event) => (!fixed && numberOf(event.json) < 5 ? { kind: 'dead', reason: 'mapping_error', detail: 'failed to parse field [n]' } : { kind: 'ok' });
  const pipeline = await pipelineWith([sink]);
  try {
    await pipeline.submit(raws(20));
    await waitFor(async () => sink.accepted.length >= 15 && (await pipeline.dlq.size('memory')) === 5, 20_000, 'DLQ of 5');
    const letters = await pipeline.dlq.list('memory');
    assert.deepEqual(letters.map((l) => numberOf(l.event.json)).sort(), [0, 1, 2, 3, 4]);
    assert.ok(letters.every((l) => l.reason === 'mapping_error' && l.detail === 'failed to parse field [n]'));
    fixed = true;
    assert.equal(await pipeline.replay('memory', 100), 5);
    await waitFor(() => sink.accepted.length >= 20, 20_000, 'replayed events');
    assert.equal(await pipeline.dlq.size('memory'), 0);
    assert.deepEqual(sink.duplicates(), []);
  } finally {
    await pipeline.stop();
  }
});

test('events still failing after the last attempt are dead-lettered as retries_exhausted, not lost', async () => {
  const sink = new MemorySink();
  sink.script = (event) => (numberOf(event.json) === 7 ? { kind: 'retry', reason: 'unavailable', detail: '503' } : { kind: 'ok' });
  const pipeline = await pipelineWith([sink]);
  try {
    await pipeline.submit(raws(10));
    await waitFor(async () => (await pipeline.dlq.size('memory')) === 1, 20_000, 'exhausted event in DLQ');
    const [letter] = await pipeline.dlq.list('memory');
    assert.equal(letter.reason, 'retries_exhausted');
    assert.equal(letter.attempts, fastPolicy.max_attempts);
    assert.equal(sink.accepted.length, 9);
  } finally {
    await pipeline.stop();
  }
});

test('a sink refusing our credentials halts: its events wait in the queue, not the DLQ, and go out once accepted', async () => {
  const sink = new MemorySink();
  let refused = 0;
  sink.script = () => (refused++ < 3 ? { kind: 'retry', reason: 'unauthorized', detail: '401 security_exception' } : { kind: 'ok' });
  const metrics = new Metrics();
  const pipeline = await startPipeline({
    redis: { options: ioredisOptions(redis.target) },
    prefix: `t${++prefixes}`,
    roles: { ingest: true, process: true, deliver: true },
    batch: { maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 5 },
    processConcurrency: 1,
    processThreads: 0,
    // One attempt allowed: were 401s counted as attempts, the events would be dead-lettered.
    sinks: [{ sink, policy: { concurrency: 1, initial_backoff_ms: 10, max_backoff_ms: 50, max_attempts: 1 } }],
    metrics,
    logger: silentLogger,
  });
  try {
    await pipeline.submit(raws(1));
    await waitFor(() => refused >= 2, 20_000, 'the sink to refuse twice');
    assert.match(await metrics.registry.metrics(), /vigil_sink_halted\{sink="memory"\} 1/);
    await waitFor(() => sink.accepted.length === 1, 20_000, 'delivery once credentials work');
    assert.equal(await pipeline.dlq.size('memory'), 0);
    assert.match(await metrics.registry.metrics(), /vigil_sink_halted\{sink="memory"\} 0/);
  } finally {
    await pipeline.stop();
  }
});

test('a re-sent Kubernetes audit batch is delivered once; identical plain events received twice are not merged', async () => {
  const sink = new MemorySink();
  const metrics = new Metrics();
  const pipeline = await pipelineWith([sink], metrics);
  const eventList = readFileSync(new URL('../../fixtures/k8s-audit/eventlist-secret-get-forbidden.json', import.meta.url), 'utf8');
  const audit = (receivedAt: number): RawEvent => ({ format: 'k8s-audit', text: eventList, receivedAt, input: 'http', listener: 'http', peer: '10.0.0.9:443' });
  const plain = (receivedAt: number): RawEvent => ({ format: 'json', text: '{"same":true}', receivedAt, input: 'http', listener: 'http', peer: '10.0.0.9:444' });
  try {
    // The API server got a non-2xx and re-sent the same EventList; a JSON sender sent the same text twice.
    await pipeline.submit([audit(1_750_000_000_000), plain(1_750_000_000_000)]);
    await waitFor(() => sink.accepted.length >= 3, 20_000, 'the first copies');
    await pipeline.submit([audit(1_750_000_005_000), plain(1_750_000_005_000)]);
    await waitFor(async () => /vigil_events_redelivered_total 2/.test(await metrics.registry.metrics()), 20_000, 'the copies counted');
    await waitFor(() => sink.accepted.length >= 4, 20_000, 'the second plain event');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sink.accepted.filter((e) => e.dataset === 'kubernetes.audit_logs').length, 2, 'two audit items, once each');
    assert.equal(sink.accepted.filter((e) => e.dataset === 'json.log').length, 2, 'plain events are two receptions');
    assert.deepEqual(sink.duplicates(), []);
    // Security-event counts are of what is forwarded: the dropped copies are taken off.
    const security = (await metrics.securityEvents.get()).values;
    const byDataset = (dataset: string) => security.filter((v) => v.labels.dataset === dataset).reduce((sum, v) => sum + v.value, 0);
    assert.equal(byDataset('kubernetes.audit_logs'), 2);
    assert.equal(byDataset('json.log'), 2);
  } finally {
    await pipeline.stop();
  }
});

/**
 * Three of ten events refused for good, and the first dead-letter write fails, before or after it
 * reaches Redis: either way BullMQ redoes the job, as it would after the process died.
 */
async function firstDeadLetterWriteFails(when: 'before writing' | 'after writing') {
  const sink = new MemorySink();
  sink.script = (event) => (numberOf(event.json) < 3 ? { kind: 'dead', reason: 'mapping_error', detail: 'bad' } : { kind: 'ok' });
  const pipeline = await pipelineWith([sink]);
  const add = pipeline.dlq.add.bind(pipeline.dlq);
  const writes = { count: 0 };
  pipeline.dlq.add = async (entries, batch) => {
    const first = writes.count++ === 0;
    if (first && when === 'before writing') throw new Error('Connection is closed.');
    await add(entries, batch);
    if (first && when === 'after writing') throw new Error('Connection is closed.');
  };
  return { sink, pipeline, writes };
}

test('a Redis error while a delivery records its outcome does not lose the batch: the job is redone', async () => {
  // The dead-letter write meets a Redis that just went away (the connection is back when BullMQ
  // records the job's failure).
  const { sink, pipeline } = await firstDeadLetterWriteFails('before writing');
  try {
    await pipeline.submit(raws(10));
    await waitFor(async () => (await pipeline.dlq.size('memory')) === 3, 20_000, 'the dead letters, once the job is redone');
    assert.equal(new Set(sink.accepted.map((e) => numberOf(e.json))).size, 7);
  } finally {
    await pipeline.stop();
  }
});

test('a batch redone after its dead letters were written (a crash before the job finished) does not write them twice', async () => {
  const { sink, pipeline, writes } = await firstDeadLetterWriteFails('after writing');
  try {
    await pipeline.submit(raws(10));
    await waitFor(() => writes.count >= 2 && new Set(sink.accepted.map((e) => numberOf(e.json))).size === 7, 20_000, 'the batch redone');
    const letters = await pipeline.dlq.list('memory');
    assert.deepEqual(letters.map((l) => numberOf(l.event.json)).sort(), [0, 1, 2], 'each dead letter once');
  } finally {
    await pipeline.stop();
  }
});

test('a replay that died between re-queueing and trimming, run again, delivers nothing twice', async () => {
  const sink = new MemorySink();
  let fixed = false;
  sink.script = (event) => (!fixed && numberOf(event.json) < 5 ? { kind: 'dead', reason: 'mapping_error', detail: 'bad' } : { kind: 'ok' });
  const pipeline = await pipelineWith([sink]);
  try {
    await pipeline.submit(raws(20));
    await waitFor(async () => sink.accepted.length >= 15 && (await pipeline.dlq.size('memory')) === 5, 20_000, 'DLQ of 5');
    fixed = true;
    const replay = pipeline.dlq.replay.bind(pipeline.dlq);
    pipeline.dlq.replay = async (name, selection, requeue) => {
      await requeue(await pipeline.dlq.list(name, selection));
      throw new Error('killed before the trim');
    };
    await assert.rejects(pipeline.replay('memory', 100), /killed before the trim/);
    pipeline.dlq.replay = replay;
    assert.equal(await pipeline.replay('memory', 100), 5, 'the entries are still there, and are trimmed now');
    await waitFor(() => sink.accepted.length >= 20, 20_000, 'replayed events');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sink.accepted.length, 20);
    assert.deepEqual(sink.duplicates(), []);
    assert.equal(await pipeline.dlq.size('memory'), 0);
  } finally {
    await pipeline.stop();
  }
});

test('a filtered sink gets only its events from the batch every sink shares, also when the whole batch is retried', async () => {
  const all = new MemorySink('all');
  const jsonOnly = new MemorySink('json-only');
  // Every first attempt fails whole: the retried job must keep naming the same events.
  jsonOnly.script = (_event, attempt) => (attempt < 2 ? { kind: 'retry', reason: 'unavailable' } : { kind: 'ok' });
  const metrics = new Metrics();
  const pipeline = await pipelineWith([all, jsonOnly], metrics, { 'json-only': filterSchema.parse({ datasets: { include: ['json.*'] } }) });
  const syslog = (i: number): RawEvent => ({ ...raws(1, 1000 + i)[0]!, format: 'syslog', text: `<13>1 2025-06-03T14:00:00Z host app - - - line ${i}` });
  try {
    await pipeline.submit([...raws(40), ...Array.from({ length: 40 }, (_, i) => syslog(i))]);
    await waitFor(() => all.accepted.length >= 80 && jsonOnly.accepted.length >= 40, 20_000, 'every sink its events');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(all.accepted.length, 80);
    assert.equal(jsonOnly.accepted.length, 40);
    assert.ok(jsonOnly.accepted.every((event) => event.dataset === 'json.log'), 'only its own events');
    assert.deepEqual(jsonOnly.duplicates(), []);
    assert.ok([...jsonOnly.attempts.values()].every((n) => n === 2), 'each retried once, then delivered');
    const text = await metrics.registry.metrics();
    assert.match(text, /vigil_events_filtered_total\{sink="json-only",reason="dataset"\} 40/);
    assert.doesNotMatch(text, /vigil_events_filtered_total\{sink="all"/);
  } finally {
    await pipeline.stop();
  }
});

test('a batch whose write was in flight when the Redis connection dropped settles: the submit rejects, so the listener retries it, instead of waiting forever', async () => {
  // WAIT blocks here (this Redis has no replica) until its 60 s timeout: the connection is killed
  // while the batch's write is unanswered. ioredis before 6.1 forgot such a command on reconnect
  // (redis/ioredis#2193), and a TCP connection waiting on it was held back for good.
  const pipeline = await startPipeline({
    redis: { options: ioredisOptions(redis.target) },
    prefix: `t${++prefixes}`,
    minReplicasAck: { replicas: 1, timeoutMs: 60_000 },
    roles: { ingest: true, process: false, deliver: false },
    batch: { maxEvents: 100, maxBytes: 1 << 20, maxWaitMs: 5 },
    processConcurrency: 1,
    processThreads: 0,
    sinks: [],
    metrics: new Metrics(),
    logger: silentLogger,
  });
  const admin = new Redis(ioredisOptions(redis.target));
  let outcome = 'pending';
  try {
    const submitted = pipeline.submit(raws(10)).then(() => 'stored', (error: Error) => `rejected: ${error.message}`);
    await waitFor(async () => String(await admin.call('CLIENT', 'LIST')).includes('cmd=wait'), 10_000, 'the batch write waiting for a replica');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<string>((resolve) => { timer = setTimeout(resolve, 20_000, 'still pending 20 s after the connection dropped'); });
    outcome = await Promise.race([submitted, guard]);
    clearTimeout(timer);
    assert.match(outcome, /^rejected: /, 'the submit settled, as failed');
    assert.doesNotMatch(outcome, /replicas .* confirmed/, 'failed by the dropped connection, not by the WAIT timeout');
  } finally {
    admin.disconnect();
    // Stopping waits for the batch: only where it settled.
    if (outcome.startsWith('rejected')) await pipeline.stop();
  }
});
