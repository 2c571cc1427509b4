import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdminApp } from '../../../src/admin/admin.ts';
import { silentLogger, type Logger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/metrics/metrics.ts';
import { failureCode, SinkSetups } from '../../../src/pipeline/sink-setup.ts';
import type { Sink } from '../../../src/sinks/kit/types.ts';

function recordingLogger(lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }>): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, msg, fields });
  return { ...silentLogger, error: at('error'), info: at('info'), warn: at('warn') } as unknown as Logger;
}

test('a sink\'s setup runs at once when registered, its failure is logged and shown in /readyz (still 200), and a later success clears it', async () => {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  let refuse = true;
  let calls = 0;
  const sink = {
    name: 'elasticsearch',
    async start() {
      calls++;
      if (refuse) throw new Error('Could not install the index template vigil-events (HTTP 401): the credentials were refused', { cause: { statusCode: 401 } });
    },
    send: async () => [],
  } as unknown as Sink;
  const setups = new SinkSetups();
  const run = setups.register(sink, recordingLogger(lines));
  assert.equal(calls, 1, 'setup started without waiting for a batch');
  await assert.rejects(run(), /HTTP 401/);
  assert.equal(calls, 1, 'the failed start was awaited, not run twice');
  assert.equal(lines.filter((line) => line.level === 'error').length, 1);
  assert.match(lines[0]!.msg, /Sink setup failed at start/);

  const app = createAdminApp({ metrics: new Metrics(), ready: () => true, sinkProblems: () => setups.problems(), logger: silentLogger });
  const failing = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(failing.statusCode, 200, 'ingest goes on: events wait in the sink\'s queue');
  assert.deepEqual(failing.json(), { status: 'ready', sinks: { elasticsearch: 'setup failed (HTTP 401); its events wait in its queue' } });

  refuse = false;
  await run();
  await run();
  assert.equal(calls, 2, 'tried again after the failure, then not again after the success');
  assert.deepEqual((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
  assert.ok(lines.some((line) => line.msg === 'Sink setup succeeded'));
  await app.close();
});

test('failureCode names a status or system error code along the cause chain, never a host', () => {
  assert.equal(failureCode(new Error('x', { cause: { statusCode: 403 } })), 'HTTP 403');
  assert.equal(failureCode(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:9200'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
  assert.equal(failureCode(new Error('Could not install: connect ECONNREFUSED 10.0.0.1:9200')), 'ECONNREFUSED');
  assert.equal(failureCode(new Error('getaddrinfo ENOTFOUND es.example')), 'ENOTFOUND');
  assert.equal(failureCode(new Error('something else at https://user:secret@es.example')), 'see the log');
});
