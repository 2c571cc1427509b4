import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Outcome } from '../../../../src/sinks/kit/types.ts';
import { classifyPush } from '../../../../src/sinks/loki/classify.ts';
import type { LokiReply } from '../../../../src/sinks/loki/client.ts';
import { baseLabels, encodeEntry, type LokiEntry } from '../../../../src/sinks/loki/encode.ts';
import { parseGoTime } from '../../../../src/sinks/loki/rejects.ts';
import { generatedEvents } from '../../../support/doubles/sink-events.ts';

const base = baseLabels({});
const options = { metadata: true, fallbackNanos: 0n };

/** Entries of one stream, exactly one second apart from 2025-06-03 14:00:00 UTC (no sub-millisecond part). */
function oneStream(count: number): LokiEntry[] {
  return generatedEvents(count).map((event, i) => ({
    ...encodeEntry({ ...event, dataset: 'falco.alerts', module: 'falco', level: 'warning', namespace: 'payments' }, i, base, options),
    nanos: 1748959200000000000n + BigInt(i) * 1_000_000_000n,
  }));
}

function reply(status: number, body = '', retryAfterMs?: number): LokiReply {
  const result: LokiReply = { kind: 'reply', status, body };
  if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  return result;
}

/** Per-entry verdicts as text; a dead letter Loki may also have stored as `dead:<reason>?`. */
function kinds(result: ReturnType<typeof classifyPush>): string[] {
  assert.ok(Array.isArray(result), 'expected per-entry outcomes');
  return (result as Outcome[]).map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}:${o.reason}${o.kind === 'dead' && /may have been stored/.test(o.detail) ? '?' : ''}`));
}

const STREAM = '{dataset="falco.alerts", job="vigil", level="warning", namespace="payments", service_name="vigil", source="falco"}';

const cases: Array<[string, LokiReply, string]> = [
  ['accepts every entry on 204', reply(204), 'ok'],
  ['accepts a 200 that does not say blocked', reply(200, ''), 'ok'],
  ['dead-letters a 260: Loki blocked ingestion and discarded the push', reply(260, 'ingestion blocked for user fake'), 'dead:rejected'],
  ['dead-letters another 2xx whose body says blocked', reply(200, 'ingestion blocked for user fake'), 'dead:rejected'],
  ['retries a 429', reply(429, 'Ingestion rate limit exceeded'), 'retry:rate_limited'],
  ['retries a 500', reply(500, 'ingester unavailable'), 'retry:server_error'],
  ['retries a 503 (circuit breaker open)', reply(503, 'circuit breaker open'), 'retry:unavailable'],
  ['halts on 401 no org id', reply(401, 'no org id'), 'retry:unauthorized'],
  ['dead-letters a 422 (no valid stream)', reply(422, 'error at least one valid stream is required for ingestion'), 'dead:bad_request'],
  ['dead-letters a 400 about labels as a bad request', reply(400, 'error at least one label pair is required per stream'), 'dead:bad_request'],
  ['dead-letters every entry of a 400 about an old timestamp it cannot place, saying it may be stored', reply(400, "entry for stream '{job=\"vigil\"}' has timestamp too old: yesterday"), 'dead:rejected?'],
  ['dead-letters every entry of a 400 about a long line of another stream, saying it may be stored', reply(400, "Max entry size '262144' bytes exceeded for stream '{job=\"vigil\"}' while adding an entry with length '300000' bytes"), 'dead:too_large?'],
  ['retries when the connection failed', { kind: 'failure', reason: 'network', detail: 'ECONNRESET' }, 'retry:network'],
];
for (const [name, answer, expected] of cases) {
  test(name, () => {
    assert.deepEqual(kinds(classifyPush(answer, oneStream(3))), [expected, expected, expected]);
  });
}

test('passes Retry-After through on 429', () => {
  const [outcome] = classifyPush(reply(429, 'slow down', 5000), oneStream(1)) as Outcome[];
  assert.equal(outcome!.kind === 'retry' && outcome!.afterMs, 5000);
});

test('asks for a split on 413', () => {
  assert.deepEqual(classifyPush(reply(413, 'request body too large'), oneStream(2)), { kind: 'too_large', detail: 'HTTP 413: request body too large' });
});

test('dead-letters only the entries Loki reports ignoring when its report accounts for the push', () => {
  const body =
    "entry with timestamp 2025-06-03 14:00:01 +0000 UTC ignored, reason: 'entry too far behind, entry timestamp is: 2025-06-03T14:00:01Z, oldest acceptable timestamp is: 2025-06-03T15:00:00Z',\n" +
    `user 'fake', total ignored: 1 out of 3 for stream: ${STREAM}\n`;
  const result = classifyPush(reply(400, body), oneStream(3));
  assert.deepEqual(kinds(result), ['ok', 'dead:rejected', 'ok']);
  assert.match((result as Outcome[])[1]!.kind === 'dead' ? ((result as Outcome[])[1] as { detail: string }).detail : '', /too far behind/);
});

test('dead-letters the entry of a one-entry push Loki refuses, whatever the body says', () => {
  assert.deepEqual(kinds(classifyPush(reply(400, 'entry for stream \'{job="vigil"}\' has timestamp too old'), oneStream(1))), ['dead:rejected']);
  assert.deepEqual(kinds(classifyPush(reply(400, 'something new'), oneStream(1))), ['dead:bad_request']);
});

test('dead-letters a whole one-stream push whose labels Loki refused: it stored none of it', () => {
  const body = 'error at least one label pair is required per stream';
  assert.deepEqual(kinds(classifyPush(reply(400, body), oneStream(3))), ['dead:bad_request', 'dead:bad_request', 'dead:bad_request']);
});

test('when the ingester listed fewer entries than it ignored, dead-letters the named ones and every other one as possibly stored', () => {
  const body =
    "entry with timestamp 2025-06-03 14:00:01 +0000 UTC ignored, reason: 'entry too far behind',\n" +
    `user 'fake', total ignored: 2 out of 3 for stream: ${STREAM}\n`;
  assert.deepEqual(kinds(classifyPush(reply(400, body), oneStream(3))), ['dead:rejected?', 'dead:rejected', 'dead:rejected?']);
});

test('does not trust an ingester report about fewer entries than the push had (the distributor dropped some unnamed)', () => {
  const body = `entry with timestamp 2025-06-03 14:00:01 +0000 UTC ignored, reason: 'entry too far behind',\nuser 'fake', total ignored: 1 out of 2 for stream: ${STREAM}\n`;
  assert.deepEqual(kinds(classifyPush(reply(400, body), oneStream(3))), ['dead:rejected?', 'dead:rejected', 'dead:rejected?']);
});

test('does not guess between entries that share a reported time', () => {
  const entries = oneStream(3);
  entries[1] = { ...entries[1]!, nanos: entries[0]!.nanos };
  const body = `entry with timestamp 2025-06-03 14:00:00 +0000 UTC ignored, reason: 'entry too far behind',\nuser 'fake', total ignored: 1 out of 3 for stream: ${STREAM}\n`;
  assert.deepEqual(kinds(classifyPush(reply(400, body), entries)), ['dead:rejected?', 'dead:rejected?', 'dead:rejected?']);
});

test('reads the distributor\'s grouped validation errors: entries by stream and second, long lines by length', () => {
  const entries = oneStream(4);
  const labels = '{dataset="falco.alerts", job="vigil", level="warning", namespace="payments", source="falco"}';
  const body = [
    `entry for stream '${labels}' has timestamp too old: 2025-06-03T14:00:01Z, oldest acceptable timestamp is: 2025-06-03T15:00:00Z`,
    `1 errors like: Max entry size '4096' bytes exceeded for stream '${labels}' while adding an entry with length '${entries[2]!.lineBytes}' bytes`,
  ].map((message, i) => (i === 0 ? `1 errors like: ${message}` : message)).join('; ');
  const result = classifyPush(reply(400, body), entries);
  assert.deepEqual(kinds(result), ['ok', 'dead:rejected', 'dead:too_large', 'ok']);
  assert.match((result as Array<{ detail?: string }>)[2]!.detail ?? '', /Max entry size/);
  // Entries 0 and 3 have lines of the same length: a long-line report cannot tell them apart.
  assert.equal(entries[0]!.lineBytes, entries[3]!.lineBytes);
  const ambiguous = body.replace(`length '${entries[2]!.lineBytes}'`, `length '${entries[3]!.lineBytes}'`);
  assert.deepEqual(kinds(classifyPush(reply(400, ambiguous), entries)), ['dead:rejected?', 'dead:rejected', 'dead:rejected?', 'dead:rejected?']);
});

test('counts grouped identical messages: "2 errors like" settles two entries of the same second', () => {
  const entries = oneStream(3);
  entries[2] = { ...entries[2]!, nanos: entries[1]!.nanos + 5n };
  const labels = '{dataset="falco.alerts", job="vigil", level="warning", namespace="payments", source="falco"}';
  const body = `2 errors like: entry for stream '${labels}' has timestamp too new: 2025-06-03T14:00:01Z`;
  assert.deepEqual(kinds(classifyPush(reply(400, body), entries)), ['ok', 'dead:rejected', 'dead:rejected']);
  assert.deepEqual(kinds(classifyPush(reply(400, body.replace('2 errors', '1 errors')), entries)), ['dead:rejected?', 'dead:rejected?', 'dead:rejected?']);
});

test('reads Go time text with a fraction and a zone offset as epoch nanoseconds', () => {
  assert.equal(parseGoTime('2025-03-14 10:26:53.5897932 +0100 CET'), 1741944413589793200n);
  assert.equal(parseGoTime('2025-06-03 14:00:01 +0000 UTC'), 1748959201000000000n);
  assert.equal(parseGoTime('yesterday'), undefined);
});
