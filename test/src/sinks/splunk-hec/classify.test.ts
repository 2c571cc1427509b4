import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyHec, type HecVerdict } from '../../../../src/sinks/splunk-hec/classify.ts';
import type { HecReply } from '../../../../src/sinks/splunk-hec/client.ts';

function reply(status: number, body: object | string, retryAfterMs?: number): HecReply {
  const result: HecReply = { kind: 'reply', status, body: typeof body === 'string' ? body : JSON.stringify(body) };
  if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  return result;
}

function verdict(result: ReturnType<typeof classifyHec>): HecVerdict {
  assert.ok('outcomes' in result, 'expected a verdict, not a split request');
  return result;
}

function kinds(result: ReturnType<typeof classifyHec>): string[] {
  return verdict(result).outcomes.map((o) => (o.kind === 'ok' ? 'ok' : `${o.kind}:${o.reason}`));
}

test('accepts every event of a 200 code 0 reply', () => {
  assert.deepEqual(kinds(classifyHec(reply(200, { text: 'Success', code: 0 }), 3)), ['ok', 'ok', 'ok']);
});

test('hands back the ackId of an acknowledged request', () => {
  assert.equal(verdict(classifyHec(reply(200, { text: 'Success', code: 0, ackId: 7 }), 1)).ackId, 7);
});

const partials: Array<[string, number, string[], number | undefined]> = [
  ['dead-letters the event HEC stopped at for invalid data (code 6) and resends the unprocessed rest', 6,
    ['ok', 'dead:rejected', 'retry:unavailable', 'retry:unavailable'], 2],
  ['dead-letters the event naming a forbidden index (code 7)', 7, ['ok', 'dead:rejected', 'retry:unavailable', 'retry:unavailable'], 2],
  ['dead-letters an event without an event field (code 12)', 12, ['ok', 'dead:rejected', 'retry:unavailable', 'retry:unavailable'], 2],
  ['dead-letters an event with a blank event field (code 13)', 13, ['ok', 'dead:rejected', 'retry:unavailable', 'retry:unavailable'], 2],
  ['dead-letters an event with nested indexed fields (code 15)', 15, ['ok', 'dead:rejected', 'retry:unavailable', 'retry:unavailable'], 2],
  ['retries from the event where HEC was busy (503 code 9), keeping the ones before', 9,
    ['ok', 'retry:unavailable', 'retry:unavailable', 'retry:unavailable'], undefined],
  ['retries from the event where HEC failed internally (500 code 8)', 8,
    ['ok', 'retry:server_error', 'retry:server_error', 'retry:server_error'], undefined],
];
for (const [name, code, expected, resendFrom] of partials) {
  test(name, () => {
    const status = code === 9 ? 503 : code === 8 ? 500 : 400;
    const result = classifyHec(reply(status, { text: 'x', code, 'invalid-event-number': 1 }), 4);
    assert.deepEqual(kinds(result), expected);
    assert.equal(verdict(result).resendFrom, resendFrom);
  });
}

const whole: Array<[string, HecReply, string]> = [
  ['dead-letters a batch HEC calls empty (code 5) as a bad request', reply(400, { text: 'No data', code: 5 }), 'dead:bad_request'],
  ['dead-letters the whole batch on code 6 without an event number', reply(400, { text: 'Invalid data format', code: 6 }), 'dead:rejected'],
  ['halts on a missing token (401 code 2)', reply(401, { text: 'Token is required', code: 2 }), 'retry:unauthorized'],
  ['halts on a malformed Authorization header (401 code 3)', reply(401, { text: 'Invalid authorization', code: 3 }), 'retry:unauthorized'],
  ['halts on a wrong token (403 code 4)', reply(403, { text: 'Invalid token', code: 4 }), 'retry:unauthorized'],
  ['halts on a missing ack channel (400 code 10)', reply(400, { text: 'Data channel is missing', code: 10 }), 'retry:unauthorized'],
  ['halts on an invalid ack channel (400 code 11)', reply(400, { text: 'Invalid data channel', code: 11 }), 'retry:unauthorized'],
  ['halts when ack is disabled on the token (400 code 14)', reply(400, { text: 'ACK is disabled', code: 14 }), 'retry:unauthorized'],
  ['halts when query-string auth is refused (400 code 16)', reply(400, { text: 'Query string authorization is not enabled', code: 16 }), 'retry:unauthorized'],
  ['retries unhealthy HEC queues (503 code 18)', reply(503, { text: 'HEC is unhealthy, queues are full', code: 18 }), 'retry:unavailable'],
  ['retries a 429 from a load balancer', reply(429, '<html>slow down</html>'), 'retry:rate_limited'],
  ['retries a 502 from a load balancer', reply(502, '<html>bad gateway</html>'), 'retry:unavailable'],
  ['retries a 504 from a load balancer', reply(504, '<html>gateway timeout</html>'), 'retry:unavailable'],
  ['retries when the connection failed', { kind: 'failure', reason: 'network', detail: 'ECONNRESET' }, 'retry:network'],
  ['retries when the answer came too late', { kind: 'failure', reason: 'timeout', detail: 'late' }, 'retry:timeout'],
  ['ignores an invalid-event-number outside the batch', reply(503, { text: 'Server is busy', code: 9, 'invalid-event-number': 9 }), 'retry:unavailable'],
];
for (const [name, answer, expected] of whole) {
  test(name, () => {
    assert.deepEqual(kinds(classifyHec(answer, 3)), [expected, expected, expected]);
  });
}

test('passes Retry-After through on 429', () => {
  const [outcome] = verdict(classifyHec(reply(429, 'slow down', 30_000), 1)).outcomes;
  assert.equal(outcome!.kind === 'retry' && outcome!.afterMs, 30_000);
});

test('asks for a split on 413', () => {
  assert.equal((classifyHec(reply(413, 'Request Entity Too Large'), 2) as { kind: string }).kind, 'too_large');
});
