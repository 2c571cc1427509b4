import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { classifyBulk } from '../../../../src/sinks/elasticsearch/classify.ts';
import type { BulkReply } from '../../../../src/sinks/elasticsearch/classify.ts';
import type { Outcome } from '../../../../src/sinks/kit/types.ts';

const mixed = JSON.parse(readFileSync(new URL('../../../../fixtures/sinks/elasticsearch/bulk-response-mixed.json', import.meta.url), 'utf8'));

function item(operation: string, status: number, errorType?: string) {
  return { [operation]: { _id: 'x', status, ...(errorType ? { error: { type: errorType, reason: 'r' } } : {}) } };
}

function kinds(result: ReturnType<typeof classifyBulk>): string[] {
  assert.ok(Array.isArray(result), 'expected per-event outcomes');
  return (result as Outcome[]).map((outcome) => (outcome.kind === 'ok' ? 'ok' : `${outcome.kind}:${outcome.reason}`));
}

test('classifies every item of the recorded mixed bulk reply by status', () => {
  assert.deepEqual(kinds(classifyBulk({ kind: 'reply', body: mixed }, 6)), [
    'ok', // 201 created
    'ok', // 409 on create: an earlier attempt wrote it
    'dead:mapping_error', // 400 document_parsing_exception
    'retry:rate_limited', // 429
    'dead:rejected', // 400 index op on a data stream
    'retry:unavailable', // 503 unavailable shards
  ]);
});

const itemCases: Array<[string, object, string]> = [
  ['treats 200 and 201 items as delivered', item('create', 200), 'ok'],
  ['treats a 409 on create as delivered (redelivery of a written event)', item('create', 409, 'version_conflict_engine_exception'), 'ok'],
  ['dead-letters a 409 on an index operation as a real conflict', item('index', 409, 'version_conflict_engine_exception'), 'dead:conflict'],
  ['retries a 429 item as rate limited', item('create', 429, 'es_rejected_execution_exception'), 'retry:rate_limited'],
  ['retries a 500 item as a server error', item('create', 500, 'exception'), 'retry:server_error'],
  ['dead-letters mapper_parsing_exception as a mapping error', item('create', 400, 'mapper_parsing_exception'), 'dead:mapping_error'],
  ['dead-letters strict_dynamic_mapping_exception as a mapping error', item('create', 400, 'strict_dynamic_mapping_exception'), 'dead:mapping_error'],
  ['dead-letters other 400 items as rejected', item('create', 400, 'illegal_argument_exception'), 'dead:rejected'],
  ['dead-letters a 403 item (index blocked or forbidden)', item('create', 403, 'cluster_block_exception'), 'dead:rejected'],
  ['dead-letters a 404 item (index missing, auto-create off)', item('create', 404, 'index_not_found_exception'), 'dead:rejected'],
];
for (const [name, entry, expected] of itemCases) {
  test(name, () => {
    assert.deepEqual(kinds(classifyBulk({ kind: 'reply', body: { errors: true, items: [entry] } }, 1)), [expected]);
  });
}

test('retries only the 429 items of a bulk reply', () => {
  const body = { errors: true, items: [item('create', 201), item('create', 429), item('create', 201), item('create', 429)] };
  assert.deepEqual(kinds(classifyBulk({ kind: 'reply', body }, 4)), ['ok', 'retry:rate_limited', 'ok', 'retry:rate_limited']);
});

test('quotes the item error type and reason in the dead-letter detail', () => {
  const outcome = (classifyBulk({ kind: 'reply', body: mixed }, 6) as Outcome[])[2];
  assert.equal(outcome!.kind, 'dead');
  assert.match((outcome as { detail: string }).detail, /document_parsing_exception.*event\.severity/);
});

test('retries events the reply has no item for', () => {
  assert.deepEqual(kinds(classifyBulk({ kind: 'reply', body: { errors: false, items: [item('create', 201)] } }, 2)), ['ok', 'retry:server_error']);
});

const requestCases: Array<[string, BulkReply, string]> = [
  ['retries a whole-request 429', { kind: 'status', status: 429, detail: 'd' }, 'retry:rate_limited'],
  ['retries a 502 as unavailable', { kind: 'status', status: 502, detail: 'd' }, 'retry:unavailable'],
  ['retries a 503 as unavailable', { kind: 'status', status: 503, detail: 'd' }, 'retry:unavailable'],
  ['retries a 504 as unavailable', { kind: 'status', status: 504, detail: 'd' }, 'retry:unavailable'],
  ['retries a 500 as a server error', { kind: 'status', status: 500, detail: 'd' }, 'retry:server_error'],
  ['halts on 401 (retry unauthorized)', { kind: 'status', status: 401, detail: 'd' }, 'retry:unauthorized'],
  ['halts on 403 (retry unauthorized)', { kind: 'status', status: 403, detail: 'd' }, 'retry:unauthorized'],
  ['dead-letters a whole-request 400 as bad_request', { kind: 'status', status: 400, detail: 'd' }, 'dead:bad_request'],
  ['retries a connection failure', { kind: 'failure', reason: 'network', detail: 'd' }, 'retry:network'],
  ['retries a timeout', { kind: 'failure', reason: 'timeout', detail: 'd' }, 'retry:timeout'],
  ['halts when the server is not Elasticsearch', { kind: 'failure', reason: 'not_elasticsearch', detail: 'd' }, 'retry:unauthorized'],
];
for (const [name, reply, expected] of requestCases) {
  test(name, () => {
    assert.deepEqual(kinds(classifyBulk(reply, 3)), [expected, expected, expected]);
  });
}

test('passes Retry-After through on a whole-request 429', () => {
  const [outcome] = classifyBulk({ kind: 'status', status: 429, retryAfterMs: 7000, detail: 'd' }, 1) as Outcome[];
  assert.deepEqual(outcome, { kind: 'retry', reason: 'rate_limited', afterMs: 7000, detail: 'd' });
});

test('asks for a split on 413 instead of giving a verdict', () => {
  assert.deepEqual(classifyBulk({ kind: 'status', status: 413, detail: 'too big' }, 4), { kind: 'too_large', detail: 'too big' });
});
