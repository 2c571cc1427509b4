import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { startTestRedis, type TestRedis } from '../support/redis.ts';
import { sendTcp } from '../support/senders.ts';
import { makeSample, type SampleType } from '../../src/send-test/samples.ts';

const run = promisify(execFile);
const VIGIL = join(ROOT, 'src/cli/vigil.ts');
const TOKEN = 'tap-top-admin-token';

// One Redis and two vigils for every case: `all` processes the events; `deliver` does not, and
// its admin listener must still show them (tap works against any node).
let redis: TestRedis;
let worker: SpawnedVigil;
let other: SpawnedVigil;
const url = (v: SpawnedVigil) => `http://127.0.0.1:${v.port('admin')}`;

before(async () => {
  redis = await startTestRedis();
  const env = { REDIS_URL: redis.url, VIGIL_ADMIN_TOKEN: TOKEN };
  worker = await spawnVigil(env);
  other = await spawnVigil({ ...env, VIGIL_ROLE: 'deliver' });
});

after(async () => {
  await Promise.all([worker?.stop(), other?.stop()]);
  await redis?.destroy();
});

interface Tap {
  /** stdout lines so far. */
  lines: string[];
  /** Resolves once a line satisfies `ok` (or rejects when the tap exits first). */
  waitFor(ok: (lines: string[]) => boolean, what: string): Promise<void>;
  exited: Promise<{ code: number | null; stderr: string }>;
  child: ChildProcess;
}

/** `vigil tap` as a user runs it, its output read line by line. */
function tap(args: string[], env: Record<string, string> = { VIGIL_ADMIN_TOKEN: TOKEN }): Tap {
  const child = spawn(process.execPath, [VIGIL, 'tap', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const check of waiters) check();
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return {
    lines, child, exited,
    waitFor: (ok, what) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stdout:\n${lines.join('\n').slice(-3000)}\nstderr:\n${stderr}`)), 60_000);
      const check = () => {
        if (!ok(lines)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void exited.then(({ code }) => {
        if (!waiters.has(check)) return;
        clearTimeout(timer);
        reject(new Error(`vigil tap exited with ${code} before ${what}:\n${stderr}`));
      });
      check();
    }),
  };
}

const send = (types: SampleType[]) => {
  const samples = types.map((type) => makeSample(type));
  return sendTcp(worker.port('tcp'), samples.map((s) => `${s.syslog}\n`).join('')).then(() => samples);
};

/**
 * Sends a sample of `type` every half second until the tap shows one: the process stage starts
 * publishing within a second of a tap connecting, and this waits for that without a fixed sleep.
 */
async function untilTapped(t: Tap, type: SampleType, seen: (lines: string[], ids: string[]) => boolean): Promise<string[]> {
  const ids: string[] = [];
  let done = false;
  const shown = t.waitFor((lines) => seen(lines, ids), `a tapped ${type} event`).finally(() => (done = true));
  while (!done) {
    ids.push(...(await send([type])).map((s) => s.id));
    await Promise.race([shown.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
  }
  await shown;
  return ids;
}

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l) as { type: string; dataset?: string; module?: string; level?: string; count?: number; original?: string; event?: Record<string, unknown> });

test('tap and /tap refuse a missing or wrong admin token', async () => {
  assert.equal((await fetch(`${url(other)}/tap`)).status, 401);
  assert.equal((await fetch(`${url(other)}/tap`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  const noToken = tap(['--url', url(other)], {});
  const { code, stderr } = await noToken.exited;
  assert.equal(code, 1);
  assert.match(stderr, /refused \/tap \(401\): missing or wrong admin token/);
  assert.deepEqual(noToken.lines, []);
});

test('tap through a node that does not process: a burst is sampled, every event shown or counted as skipped', async () => {
  const t = tap(['--url', url(other), '--json']);
  try {
    // Only from the first tapped event on is every processed event accounted for.
    await untilTapped(t, 'audit', (lines) => parse(lines).some((l) => l.type === 'event'));
    const from = t.lines.length;
    const burst = 3000;
    const started = Date.now();
    await send(Array.from({ length: burst }, (_, i) => (['violation', 'falco', 'threat'] as const)[i % 3]));
    const tally = () => {
      const after = parse(t.lines.slice(from));
      const shown = after.filter((l) => l.type === 'event').length;
      return { shown, skipped: after.reduce((n, l) => n + (l.type === 'skipped' ? l.count! : 0), 0) };
    };
    await t.waitFor(() => { const { shown, skipped } = tally(); return shown + skipped >= burst; }, `${burst} events shown or skipped`);
    const { shown, skipped } = tally();
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    assert.equal(shown + skipped, burst, 'each event of the burst is shown or counted as skipped, once');
    assert.ok(skipped > 0, 'the burst was sampled');
    // At most 100 events a second per process (25 per dataset, three datasets here).
    assert.ok(shown <= 75 * seconds, `${shown} events shown in at most ${seconds} s`);
    assert.ok(shown > 0);
  } finally {
    t.child.kill();
  }
});

test('tap filters by dataset, module, severity, source and sink; --original shows the raw message beside the ECS event', async () => {
  const falco = tap(['--url', url(other), '--json', '--dataset', 'falco.alerts', '--source', '127.0.0.1', '--sink', 'file', '--limit', '3']);
  const critical = tap(['--url', url(worker), '--module', 'neuvector', '--severity', 'critical', '--original', '--limit', '2']);
  const elsewhere = tap(['--url', url(worker), '--json', '--sink', 'elasticsearch']);
  try {
    // Violations (critical) and Falco alerts (notice) interleaved: each tap must keep only its own.
    let sending = true;
    const sender = (async () => {
      while (sending) {
        await send(['violation', 'falco', 'threat']);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    const [falcoEnd, criticalEnd] = await Promise.all([falco.exited, critical.exited]);
    sending = false;
    await sender;
    assert.equal(falcoEnd.code, 0, falcoEnd.stderr);
    assert.equal(criticalEnd.code, 0, criticalEnd.stderr);

    const events = parse(falco.lines).filter((l) => l.type === 'event');
    assert.equal(events.length, 3);
    for (const e of events) {
      assert.equal(e.dataset, 'falco.alerts');
      assert.equal((e.event as { event: { dataset: string } }).event.dataset, 'falco.alerts');
    }

    // Readable: one summary line per event, then its original text and its ECS JSON.
    const text = critical.lines.join('\n');
    const heads = critical.lines.filter((l) => !l.startsWith('  ') && !l.startsWith('--'));
    assert.equal(heads.length, 2);
    for (const head of heads) assert.match(head, /neuvector\.(violation|threat) {2}critical {2}127\.0\.0\.1:\d+ {2}/);
    const originals = critical.lines.filter((l) => l.startsWith('  original  '));
    const ecs = critical.lines.filter((l) => l.startsWith('  ecs       '));
    assert.equal(originals.length, 2, text);
    assert.equal(ecs.length, 2, text);
    // The raw message is the syslog line as sent; the ECS JSON is the whole normalised event.
    for (const o of originals) assert.match(o, /^ {2}original {2}<\d+>1 /);
    for (const e of ecs) assert.equal((JSON.parse(e.slice(12)) as { event: { module: string } }).event.module, 'neuvector');

    // No sink named elasticsearch here: nothing of the events above was queued for one.
    elsewhere.child.kill();
    assert.match((await elsewhere.exited).stderr, /^tapping /, 'the sink-filtered tap was connected');
    assert.deepEqual(parse(elsewhere.lines).filter((l) => l.type === 'event'), []);
  } finally {
    for (const t of [falco, critical, elsewhere]) t.child.kill();
  }
});

test('top --once shows the listeners, formats, sinks and queues of the node asked, or with --all of every node', async () => {
  const { stdout } = await run(process.execPath, [VIGIL, 'top', '--once', '--url', url(worker)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', VIGIL_ADMIN_TOKEN: TOKEN } });
  const row = (section: string, name: string) => {
    const block = stdout.split('\n\n').find((b) => b.startsWith(section.toUpperCase()));
    assert.ok(block, `a ${section} section in:\n${stdout}`);
    return block.split('\n').find((l) => l.split(/\s+/)[0] === name);
  };
  // The earlier cases sent samples as syslog over TCP; the file sink forwarded them.
  assert.match(row('listener', 'syslog-tcp') ?? '', /^syslog-tcp\s+[\d.]+\s+[1-9]\d*/, stdout);
  assert.match(row('format', 'syslog') ?? '', /^syslog\s+[\d.]+\s+[1-9]\d*\s+0/, stdout);
  assert.match(row('sink', 'file') ?? '', /^file\s+UP\s+[\d.]+\s+[1-9]\d*/, stdout);
  assert.ok(row('queue', 'sink-file'), stdout);
  assert.doesNotMatch(stdout, /\x1b/, 'no escape codes with --once');

  // --all through the node that does not process: both nodes, each row naming its node.
  const all = (await run(process.execPath, [VIGIL, 'top', '--once', '--all', '--url', url(other)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', VIGIL_ADMIN_TOKEN: TOKEN } })).stdout;
  const nodeRows = all.split('\n\n').find((b) => b.startsWith('NODE'))!.split('\n').slice(1);
  assert.deepEqual(nodeRows.map((l) => l.split(/\s+/)[1]).sort(), ['all', 'deliver'], all);
  assert.match(all, new RegExp(`^syslog-tcp\\s+\\S+:${worker.child.pid}\\s+[\\d.]+\\s+[1-9]`, 'm'), all);
  assert.match(all, new RegExp(`^file\\s+\\S+:${other.child.pid}\\s+UP`, 'm'), all);

  await assert.rejects(run(process.execPath, [VIGIL, 'top', '--once', '--url', url(worker)], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } }),
    (error: { code: number; stderr: string }) => error.code === 1 && /refused \/status\.json \(401\)/.test(error.stderr));
});

test('tap says so and exits 1 when the node it reads from stops', async () => {
  const probe = redis.client();
  // Connected once an admin listener subscribes for it (the earlier cases' readers are gone first).
  const subscribers = async () => ((await probe.pubsub('NUMSUB', 'vigil:tap')) as [string, number])[1];
  const until = async (what: string, ok: (n: number) => boolean) => {
    for (let i = 0; !ok(await subscribers()); i++) {
      if (i > 600) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await until('no admin listener subscribes', (n) => n === 0);
  const t = tap(['--url', url(other), '--json']);
  await until('the tap is connected', (n) => n === 1);
  await other.stop();
  const { code, stderr } = await t.exited;
  assert.equal(code, 1);
  assert.match(stderr, /closed the stream|stream .* broke/);
});
