import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ROOT } from '../support/vigil.ts';
import { startTestRedis } from '../support/redis.ts';
import { DeadLetterQueue } from '../../src/pipeline/dlq.ts';
import { keyLayout, sinkQueueName } from '../../src/pipeline/queues.ts';

const run = promisify(execFile);

async function vigil(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), ...args], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('check-config prints what would run, and exits 2 naming the bad key', async () => {
  const ok = await vigil(['check-config'], { VIGIL_ES_URL: 'http://es:9200', VIGIL_DATA_DIR: '/tmp/vigil-check' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /sinks: elasticsearch/);
  const bad = await vigil(['check-config'], { VIGIL_HTTP_PORT: 'eighty' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /VIGIL_ERR_CONFIG_ENV[\s\S]*VIGIL_HTTP_PORT/);
  const unknown = await vigil(['check-config'], { VIGIL_CONFIG: join(ROOT, 'package.json') });
  assert.equal(unknown.code, 2, 'a JSON file is YAML, but not a vigil config');
  assert.match(unknown.stderr, /VIGIL_ERR_/);
});

test('dlq list, replay and purge work on a sink\'s dead letters in Redis', async () => {
  const redis = await startTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const client = new Redis(redis.url);
  try {
    const dlq = new DeadLetterQueue(client, keyLayout('vigil'));
    const event = { id: 'e1', timestamp: '2025-06-03T14:07:05Z', dataset: 'neuvector.violation', module: 'neuvector', level: 'warning', json: '{"event":{"id":"e1"}}' };
    await dlq.add([1, 2, 3].map((n) => ({ at: new Date().toISOString(), sink: 'file', reason: 'mapping_error', detail: `bad field ${n}`, attempts: 1, event: { ...event, id: `e${n}` } })), 'seed');
    const env = { REDIS_URL: redis.url, VIGIL_DATA_DIR: dataDir };

    const list = await vigil(['dlq', 'list', 'file'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /file: 3 dead letter/);
    assert.match(list.stdout, /mapping_error\tneuvector\.violation\te2\tbad field 2/);

    const replay = await vigil(['dlq', 'replay', 'file', '--limit', '2'], env);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(await dlq.size('file'), 1);
    assert.equal(await client.llen(`vigil:${sinkQueueName('file')}:wait`), 1, 'one batch queued for the sink again');

    assert.equal((await vigil(['dlq', 'purge', 'file'], env)).code, 2, 'purge wants --yes');
    assert.equal((await vigil(['dlq', 'purge', 'file', '--yes'], env)).code, 0);
    assert.equal(await dlq.size('file'), 0);
  } finally {
    client.disconnect();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('check-config prints each webhook route\'s auth and warns about unauthenticated input from the network', async () => {
  const env = { VIGIL_DATA_DIR: '/tmp/vigil-check', VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_TOKEN: 'global-0123456789', VIGIL_WEBHOOK_K8S_AUDIT_AUTH: 'bearer', VIGIL_WEBHOOK_JSON_AUTH: 'none' };
  const ok = await vigil(['check-config'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^webhook \/ingest\/neuvector: auth token$/m);
  assert.match(ok.stdout, /^webhook \/ingest\/k8s-audit: auth bearer$/m);
  assert.match(ok.stdout, /^webhook \/ingest\/json: auth none \(set for this route\)$/m);
  assert.match(ok.stdout, /^admin: http:\/\/0\.0\.0\.0:9098 /m);
  assert.match(ok.stderr, /^WARNING: webhook routes \/ingest\/json take unauthenticated events on 0\.0\.0\.0:8080/m);
  assert.match(ok.stderr, /^WARNING: syslog over UDP takes unauthenticated events from any address/m);
  const quiet = await vigil(['check-config'], { VIGIL_DATA_DIR: '/tmp/vigil-check' });
  assert.equal(quiet.stderr, '', 'loopback: nothing to warn about');
});

test('vigil start refuses a webhook route without auth on a non-loopback address: exit 2, one line naming the routes, nothing bound', async () => {
  const refused = await vigil(['start'], { VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-open-')), VIGIL_HOST: '0.0.0.0', VIGIL_WEBHOOK_FALCO_TOKEN: 'falco-0123456789' });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^vigil: VIGIL_ERR_WEBHOOK_UNAUTHENTICATED: /);
  assert.match(refused.stderr, /webhook routes \/ingest\/neuvector, \/ingest\/k8s-audit, \/ingest\/alertmanager, \/ingest\/json would accept unauthenticated events on 0\.0\.0\.0/);
  assert.doesNotMatch(refused.stderr, /\/ingest\/falco/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
});

test('dlq list strips control characters from what the backend and the event said before printing them', async () => {
  const redis = await startTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const client = new Redis(redis.url);
  try {
    const event = { id: 'e\u001b[31m1', timestamp: '2025-06-03T14:07:05Z', dataset: 'json.log\r', module: 'json', level: 'warning', json: '{}' };
    await new DeadLetterQueue(client, keyLayout('vigil')).add([{ at: new Date().toISOString(), sink: 'file', reason: 'mapping_error',
      detail: 'bad\u001b]0;owned\u0007\u001b[2J field\nnext\u009b', attempts: 1, event }], 'seed');
    const list = await vigil(['dlq', 'list', 'file'], { REDIS_URL: redis.url, VIGIL_DATA_DIR: dataDir });
    assert.equal(list.code, 0, list.stderr);
    const [, line, ...rest] = list.stdout.split('\n').filter(Boolean);
    assert.equal(rest.length, 0, 'one line per entry');
    assert.doesNotMatch(line, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/, JSON.stringify(line));
    assert.match(line, /mapping_error\tjson\.log\uFFFD\te\uFFFD\[31m1\tbad\uFFFD\]0;owned\uFFFD\uFFFD\[2J field\uFFFDnext\uFFFD$/);
  } finally {
    client.disconnect();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
