import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTooLarge, type AttemptResult } from '../../../../src/sinks/kit/outcome.ts';
import type { LokiReply } from '../../../../src/sinks/loki/client.ts';
import { baseLabels, encodeEntry, type LokiEntry } from '../../../../src/sinks/loki/encode.ts';
import { pushResolved, split } from '../../../../src/sinks/loki/resolve.ts';
import { generatedEvents } from '../../../support/doubles/sink-events.ts';

const base = baseLabels({});
const options = { metadata: true, fallbackNanos: 0n };

/** Entries of one stream, one second apart. */
function oneStream(count: number): LokiEntry[] {
  return generatedEvents(count, { seed: 2 }).map((event, i) =>
    encodeEntry({ ...event, dataset: 'falco.alert', module: 'falco', level: 'warning', namespace: 'payments' }, i, base, options));
}

/** Entries spread over several streams (dataset, level and namespace vary). */
function severalStreams(count: number): LokiEntry[] {
  return generatedEvents(count, { seed: 3 }).map((event, i) => encodeEntry(event, i, base, options));
}

/**
 * Loki at its least helpful: it stores every entry it does not refuse (an identical entry it
 * already holds is ignored, as its head block does) and answers a push that refused anything with
 * a 400 that names no entry, the way a distributor validation error reads. `answers` scripts a
 * status for the n-th push instead (503, 413…).
 */
function vagueLoki(refused: (entry: LokiEntry) => boolean, answers: Record<number, number> = {}) {
  const stored = new Map<string, number>();
  const pushes: LokiEntry[][] = [];
  const push = async (entries: readonly LokiEntry[]): Promise<LokiReply> => {
    pushes.push([...entries]);
    const scripted = answers[pushes.length];
    if (scripted) return { kind: 'reply', status: scripted, body: `error ${scripted}` };
    let refusedAny = false;
    for (const entry of entries) {
      if (refused(entry)) refusedAny = true;
      else if (!stored.has(entry.text)) stored.set(entry.text, entry.position);
    }
    if (!refusedAny) return { kind: 'reply', status: 204, body: '' };
    return { kind: 'reply', status: 400, body: `entry for stream '{job="vigil"}' has timestamp too old: 2025-06-03 14:00:00 +0000 UTC` };
  };
  return { push, pushes, storedPositions: () => [...stored.values()].sort((a, b) => a - b) };
}

function kinds(result: AttemptResult): string[] {
  assert.ok(!isTooLarge(result));
  return result.map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}:${o.reason}`));
}

const log2 = (n: number) => Math.ceil(Math.log2(n));

test('finds the one refused entry of a one-stream push Loki answered vaguely, by halving it', async () => {
  const entries = oneStream(16);
  const loki = vagueLoki((entry) => entry.position === 11);
  const outcomes = await pushResolved(entries, loki.push);
  assert.deepEqual(kinds(outcomes), entries.map((_, i) => (i === 11 ? 'dead:rejected' : 'ok')));
  assert.deepEqual(loki.storedPositions(), entries.map((e) => e.position).filter((p) => p !== 11));
  assert.ok(loki.pushes.length <= 1 + 2 * log2(16), `${loki.pushes.length} pushes`);
  assert.ok(loki.pushes.length > 1);
});

test('keeps the dead letter\'s detail: Loki\'s answer to the entry alone', async () => {
  const entries = oneStream(4);
  const outcomes = await pushResolved(entries, vagueLoki((entry) => entry.position === 0).push);
  assert.ok(!isTooLarge(outcomes));
  const letter = outcomes[0]!;
  assert.equal(letter.kind, 'dead');
  assert.match(letter.kind === 'dead' ? letter.detail : '', /HTTP 400: .*timestamp too old/);
});

test('re-sends a push of several streams one stream per push first', async () => {
  const entries = severalStreams(12);
  const streams = new Set(entries.map((e) => e.stream)).size;
  assert.ok(streams > 1);
  const loki = vagueLoki((entry) => entry.position === 4 || entry.position === 9);
  const outcomes = await pushResolved(entries, loki.push);
  assert.deepEqual(kinds(outcomes), entries.map((_, i) => (i === 4 || i === 9 ? 'dead:rejected' : 'ok')));
  assert.deepEqual(loki.storedPositions(), entries.map((e) => e.position).filter((p) => p !== 4 && p !== 9));
  for (const push of loki.pushes.slice(1)) assert.equal(new Set(push.map((e) => e.stream)).size, 1, 'one stream per re-send');
  assert.ok(loki.pushes.length <= 1 + streams + 2 * 2 * log2(12), `${loki.pushes.length} pushes`);
});

test('never sends more than twice as many pushes as entries, even when Loki refuses them all', async () => {
  const entries = oneStream(9);
  const loki = vagueLoki(() => true);
  assert.deepEqual(kinds(await pushResolved(entries, loki.push)), entries.map(() => 'dead:rejected'));
  assert.ok(loki.pushes.length <= 2 * entries.length, `${loki.pushes.length} pushes`);
  assert.deepEqual(loki.storedPositions(), []);
});

test('stops re-sending when Loki fails a re-send as a whole: settled entries keep their verdict, the rest retry', async () => {
  const entries = oneStream(8);
  // Push 1 is vague; push 2 (first half, which holds the refused entry) is vague again and split;
  // push 3 (a quarter) is settled; push 4 meets a 503.
  const loki = vagueLoki((entry) => entry.position === 2, { 4: 503 });
  const outcomes = await pushResolved(entries, loki.push);
  assert.deepEqual(kinds(outcomes), ['ok', 'ok', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable']);
  assert.equal(loki.pushes.length, 4);
});

test('passes a first answer that needs no resolving straight through', async () => {
  const entries = oneStream(3);
  const loki = vagueLoki(() => false, { 1: 413 });
  assert.deepEqual(await pushResolved(entries, loki.push), { kind: 'too_large', detail: 'HTTP 413: error 413' });
  assert.equal(loki.pushes.length, 1);
});

test('splits by stream when there are several, else in two halves', () => {
  const mixed = severalStreams(6);
  const parts = split(mixed.map((_, i) => i), mixed);
  assert.ok(parts.length > 1);
  for (const part of parts) assert.equal(new Set(part.map((i) => mixed[i]!.stream)).size, 1);
  assert.deepEqual(parts.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(split([0, 1, 2, 3, 4], oneStream(5)), [[0, 1, 2], [3, 4]]);
});
