import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTooLarge, type AttemptResult } from '../../../../src/sinks/kit/outcome.ts';
import type { LokiReply } from '../../../../src/sinks/loki/client.ts';
import { baseLabels, encodeEntry, type LokiEntry } from '../../../../src/sinks/loki/encode.ts';
import { pushByStream, streamsOf } from '../../../../src/sinks/loki/push-by-stream.ts';
import { generatedEvents } from '../../../support/doubles/sink-events.ts';

const base = baseLabels({});
const options = { metadata: true, fallbackNanos: 0n };

/** Entries spread over several streams (dataset, level and namespace vary). */
function severalStreams(count: number): LokiEntry[] {
  return generatedEvents(count, { seed: 3 }).map((event, i) => encodeEntry(event, i, base, options));
}

/** A Loki that answers the n-th push with `answers[n]` (default 204) and records every push. */
function scripted(answers: Record<number, LokiReply> = {}) {
  const pushes: LokiEntry[][] = [];
  const push = async (entries: readonly LokiEntry[]): Promise<LokiReply> => {
    pushes.push([...entries]);
    return answers[pushes.length] ?? { kind: 'reply', status: 204, body: '' };
  };
  return { push, pushes };
}

function kinds(result: AttemptResult): string[] {
  assert.ok(!isTooLarge(result));
  return result.map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}:${o.reason}`));
}

const vague = { kind: 'reply', status: 400, body: 'something Loki never said' } as const;

test('pushes each stream on its own, every entry exactly once', async () => {
  const entries = severalStreams(20);
  const streams = streamsOf(entries);
  assert.ok(streams.length > 1);
  const loki = scripted();
  assert.deepEqual(kinds(await pushByStream(entries, loki.push)), entries.map(() => 'ok'));
  assert.equal(loki.pushes.length, streams.length);
  for (const push of loki.pushes) assert.equal(new Set(push.map((e) => e.stream)).size, 1, 'one stream per push');
  assert.deepEqual(loki.pushes.flat().map((e) => e.position).sort((a, b) => a - b), entries.map((e) => e.position));
});

test('never sends again an entry of a push Loki answered, even when the answer names none of its entries', async () => {
  const entries = severalStreams(20);
  const loki = scripted({ 1: vague });
  const outcomes = await pushByStream(entries, loki.push);
  const first = new Set(loki.pushes[0]!.map((e) => e.position));
  assert.deepEqual(kinds(outcomes), entries.map((e) => (first.has(e.position) ? 'dead:bad_request' : 'ok')));
  assert.equal(loki.pushes.flat().length, entries.length, 'no entry pushed twice');
});

test('halves only the stream Loki refused as too large: streams already answered are not sent again', async () => {
  const entries = severalStreams(20);
  const loki = scripted({ 2: { kind: 'reply', status: 413, body: 'request body too large' } });
  assert.deepEqual(kinds(await pushByStream(entries, loki.push)), entries.map(() => 'ok'));
  const second = loki.pushes[1]!;
  assert.deepEqual([...loki.pushes[2]!, ...loki.pushes[3]!].map((e) => e.position), second.map((e) => e.position));
  const stored = [...loki.pushes.slice(0, 1), ...loki.pushes.slice(2)].flat().map((e) => e.position);
  assert.deepEqual(stored.sort((a, b) => a - b), entries.map((e) => e.position));
});

test('stops when Loki fails a push as a whole: answered streams keep their verdict, the rest retry unsent', async () => {
  const entries = severalStreams(20);
  const loki = scripted({ 2: { kind: 'reply', status: 503, body: 'circuit breaker open' } });
  const outcomes = await pushByStream(entries, loki.push);
  const first = new Set(loki.pushes[0]!.map((e) => e.position));
  assert.deepEqual(kinds(outcomes), entries.map((e) => (first.has(e.position) ? 'ok' : 'retry:unavailable')));
  assert.equal(loki.pushes.length, 2);
});

test('dead-letters one entry that alone is too large', async () => {
  const [entry] = severalStreams(1);
  const loki = scripted({ 1: { kind: 'reply', status: 413, body: 'request body too large' } });
  assert.deepEqual(kinds(await pushByStream([entry!], loki.push)), ['dead:too_large']);
});
