import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ROOT } from '../support/vigil.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';
import { DeadLetterQueue, type DeadLetter } from '../../src/pipeline/dlq.ts';
import { decodeSinkBatch } from '../../src/pipeline/codec.ts';
import { keyLayout, openQueue, sinkQueueName, type SinkBatchJob } from '../../src/pipeline/queues.ts';
import { replayDeadLetters } from '../../src/pipeline/replay.ts';
import { ioredisOptions } from '../../src/redis/redis-server.ts';

const run = promisify(execFile);
const VIGIL = [join(ROOT, 'src/cli/vigil.ts')];

interface Setup { redis: TestRedis; client: Redis; dlq: DeadLetterQueue; env: Record<string, string> }

/** A real redis-server, a client, the file sink's DLQ, and the environment `vigil dlq` needs to find them. */
async function withRedis(body: (setup: Setup) => Promise<void>): Promise<void> {
  const redis = await startTestRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-dlq-'));
  const client = new Redis(redis.url);
  try {
    await body({ redis, client, dlq: new DeadLetterQueue(client, keyLayout('vigil')), env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, VIGIL_DATA_DIR: dataDir } });
  } finally {
    client.disconnect();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function vigil(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...VIGIL, ...args], { cwd: ROOT, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Dead letters e<from>..e<from+count-1> of the file sink, the reason of each chosen by `reasonOf`. */
function letters(from: number, count: number, reasonOf: (n: number) => string = () => 'mapping_error'): DeadLetter[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      at: '2026-12-07T12:00:00.000Z', sink: 'file', reason: reasonOf(n), detail: `refused field ${n}`, attempts: 1,
      event: { id: `e${n}`, timestamp: '2026-12-07T11:59:59Z', dataset: 'neuvector.violation', module: 'neuvector', level: 'warning', json: `{"event":{"id":"e${n}"},"n":${n}}` },
    };
  });
}

/** The ids of every event in the file sink's queued batches, as often as they were queued. */
async function queuedEventIds(client: Redis): Promise<string[]> {
  const queue = `vigil:${sinkQueueName('file')}`;
  const ids: string[] = [];
  for (const job of await client.lrange(`${queue}:wait`, 0, -1)) {
    const data = JSON.parse((await client.hget(`${queue}:${job}`, 'data'))!) as SinkBatchJob;
    ids.push(...decodeSinkBatch(data.z!).map((e) => e.id));
  }
  return ids.sort();
}

const ids = (entries: DeadLetter[]): string[] => entries.map((e) => e.event.id).sort();

test('dlq replay --all re-queues every dead letter in chunks, printing progress and what remains', async () => {
  await withRedis(async ({ client, dlq, env }) => {
    await dlq.add(letters(0, 25), 'seed');
    const replay = await vigil(['dlq', 'replay', 'file', '--all', '--chunk', '10'], env);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(replay.stderr.trimEnd().split('\n'), ['file: replayed 10, 15 remaining', 'file: replayed 20, 5 remaining', 'file: replayed 25, 0 remaining']);
    assert.match(replay.stdout, /^file: 25 event\(s\) queued for delivery again, 0 dead letter\(s\) remaining$/m);
    assert.equal(await dlq.size('file'), 0);
    assert.equal(await client.llen(`vigil:${sinkQueueName('file')}:wait`), 3, 'three batches: 10, 10 and 5');
    assert.deepEqual(await queuedEventIds(client), ids(letters(0, 25)));
  });
});

test('dlq --reason lists, shows, replays and purges only the dead letters with that reason, leaving the others in order', async () => {
  await withRedis(async ({ client, dlq, env }) => {
    const all = letters(0, 30, (n) => (n % 3 === 0 ? 'rejected' : 'mapping_error'));
    await dlq.add(all, 'seed');
    const rejected = all.filter((l) => l.reason === 'rejected');
    const others = all.filter((l) => l.reason !== 'rejected');

    const list = await vigil(['dlq', 'list', 'file', '--reason', 'rejected', '--limit', '3'], env);
    assert.equal(list.code, 0, list.stderr);
    const [header, ...lines] = list.stdout.trimEnd().split('\n');
    assert.equal(header, 'file: 30 dead letter(s), 10 with reason rejected');
    assert.deepEqual(lines.map((l) => l.split('\t')[4]), ['e0', 'e3', 'e6']);

    const show = await vigil(['dlq', 'show', 'file', '--reason', 'rejected', '--limit', '2'], env);
    assert.equal(show.code, 0, show.stderr);
    assert.doesNotMatch(show.stdout, /mapping_error/);

    const replay = await vigil(['dlq', 'replay', 'file', '--all', '--reason', 'rejected', '--chunk', '4'], env);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(replay.stderr.trimEnd().split('\n'), [4, 8, 10].map((n) => `file: replayed ${n}, ${10 - n} remaining with reason rejected`));
    assert.deepEqual(await queuedEventIds(client), ids(rejected));
    assert.deepEqual((await dlq.list('file', { count: 100 })).map((l) => l.event.id), others.map((l) => l.event.id), 'the others stay, in order');

    assert.equal((await vigil(['dlq', 'purge', 'file', '--reason', 'mapping_error', '--yes'], env)).code, 0);
    assert.equal(await dlq.size('file'), 0);
  });
});

test('dlq --json prints one JSON document for list, show, replay and purge, the ECS event spliced in with every digit', async () => {
  await withRedis(async ({ dlq, env }) => {
    const all = letters(0, 4, (n) => (n < 2 ? 'too_large' : 'conflict'));
    all[0].event.json = '{"event":{"id":"e0"},"big":12345678901234567890}';
    all[1].detail = 'bad \u001b[2J "quoted"';
    await dlq.add(all, 'seed');

    const list = await vigil(['dlq', 'list', 'file', '--json', '--reason', 'too_large'], env);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout) as { sink: string; total: number; matching: number; entries: DeadLetter[] };
    assert.equal(listed.total, 4);
    assert.equal(listed.matching, 2);
    assert.deepEqual(listed.entries.map((e) => [e.event.id, e.detail]), [['e0', 'refused field 0'], ['e1', 'bad \u001b[2J "quoted"']]);

    const show = await vigil(['dlq', 'show', 'file', '--json', '--limit', '2'], env);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { entries: Array<{ event: { json: { event: { id: string } } } }> };
    assert.deepEqual(shown.entries.map((e) => e.event.json.event.id), ['e0', 'e1']);
    assert.match(show.stdout, /"big":12345678901234567890\}/, 'the event as stored, not rounded through a double');
    assert.doesNotMatch(show.stdout, /\u001b/, 'control characters escaped by JSON');

    const replay = await vigil(['dlq', 'replay', 'file', '--json', '--reason', 'conflict'], env);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(JSON.parse(replay.stdout), { sink: 'file', reason: 'conflict', replayed: 2, remaining: 0 });

    const purge = await vigil(['dlq', 'purge', 'file', '--json', '--yes'], env);
    assert.equal(purge.code, 0, purge.stderr);
    assert.deepEqual(JSON.parse(purge.stdout), { sink: 'file', deleted: 2 });
  });
});

test('a replay that dies after re-queueing a chunk but before removing it, run again, queues each event once', async () => {
  await withRedis(async ({ redis, client, dlq, env }) => {
    // Reasons interleaved, so the chunks do not start at the head: the rerun must pick the same entries.
    const all = letters(0, 40, (n) => (n % 4 === 0 ? 'conflict' : 'rejected'));
    await dlq.add(all, 'seed');
    const queue = openQueue<SinkBatchJob>(sinkQueueName('file'), { connection: { ...ioredisOptions(redis.target), maxRetriesPerRequest: null }, prefix: 'vigil' });
    const remove = dlq.remove.bind(dlq);
    let removals = 0;
    dlq.remove = async (sink, picked) => {
      if (++removals === 2) throw new Error('killed before the removal');
      await remove(sink, picked);
    };
    try {
      await assert.rejects(replayDeadLetters(queue, dlq, 'file', { max: Infinity, chunk: 7, reason: 'rejected' }), /killed before the removal/);
    } finally {
      await queue.close();
    }
    assert.equal(await client.llen(`vigil:${sinkQueueName('file')}:wait`), 2, 'two chunks queued, one of them still in the DLQ');

    const rerun = await vigil(['dlq', 'replay', 'file', '--all', '--reason', 'rejected', '--chunk', '7'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await queuedEventIds(client), ids(all.filter((l) => l.reason === 'rejected')), 'each rejected event once');
    assert.deepEqual((await dlq.list('file')).map((l) => l.event.id), all.filter((l) => l.reason === 'conflict').map((l) => l.event.id));
  });
});

test('vigil dlq replay --all killed (SIGKILL) after its first chunk and run again queues each event once', async () => {
  await withRedis(async ({ client, dlq, env }) => {
    const all = letters(0, 3000);
    for (let i = 0; i < all.length; i += 500) await dlq.add(all.slice(i, i + 500), `seed-${i}`);
    const child = spawn(process.execPath, [...VIGIL, 'dlq', 'replay', 'file', '--all', '--chunk', '100'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (/replayed 100,/.test(stderr)) child.kill('SIGKILL');
    });
    const signal = await exited;
    assert.match(stderr, /^file: replayed 100, 2900 remaining$/m);
    const left = await dlq.size('file');
    // The kill lands between chunks or inside one; either way something is left for the rerun.
    assert.equal(signal, 'SIGKILL', `killed mid-replay (${left} left): ${stderr}`);
    assert.ok(left > 0 && left < 3000, `${left} left`);

    const rerun = await vigil(['dlq', 'replay', 'file', '--all', '--chunk', '100'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /replayed \d+, 0 remaining\n$/);
    assert.equal(await dlq.size('file'), 0);
    assert.deepEqual(await queuedEventIds(client), ids(all), 'each event once');
  });
});
