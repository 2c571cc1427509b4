import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, spawnVigil, startEntry, startEnv, startNodeFlags } from '../support/vigil.ts';
import { startRestartableRedis, startTestRedis } from '../support/redis.ts';
import { makePki } from '../support/pki.ts';
import { waitFor } from '../support/memory-sink.ts';
import { freePort } from '../../src/redis/redis-server.ts';

/**
 * vigil started wrong, as `npm start` starts it (dist, same node flags and heap): every expected
 * failure ends the process promptly with one line on stderr and its documented exit status.
 */

interface Ended {
  code: number | null;
  stderr: string;
  logs: Array<Record<string, unknown>>;
  ms: number;
}

/** Starts vigil and waits for it to end by itself; one still running after `limitMs` fails the test. */
async function startExpectingExit(env: Record<string, string>, options: { limitMs?: number; node?: string; whileRunning?: () => Promise<void> } = {}): Promise<Ended> {
  const dataDir = env.VIGIL_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-startup-'));
  const started = Date.now();
  const child = spawn(options.node ?? process.execPath, [...startNodeFlags(), join(ROOT, startEntry()), 'start'], {
    cwd: ROOT,
    env: {
      ...startEnv(), PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', VIGIL_DATA_DIR: dataDir, VIGIL_HOST: '127.0.0.1',
      VIGIL_HTTP_PORT: '0', VIGIL_ADMIN_PORT: '0', VIGIL_SYSLOG_UDP_PORT: '0', VIGIL_SYSLOG_TCP_PORT: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 60_000);
  try {
    await options.whileRunning?.();
    const code = await exited;
    const logs = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    return { code, stderr, logs, ms: Date.now() - started };
  } finally {
    clearTimeout(limit);
    child.kill('SIGKILL');
    if (!env.VIGIL_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line on stderr, `vigil: <code>: ...`, no stack. */
function assertOneLine(ended: Ended, code: string, status: number, message: RegExp): void {
  assert.equal(ended.code, status, `exit status of ${code}; stderr:\n${ended.stderr}`);
  const lines = ended.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${ended.stderr}`);
  assert.match(lines[0], new RegExp(`^vigil: ${code}: `));
  assert.match(lines[0], message);
  assert.doesNotMatch(ended.stderr, /\n\s+at /, 'no stack trace');
}

test('REDIS_URL at a closed port: retries with backoff, /readyz 503 meanwhile, then exits 69 naming the URL (password masked) and why', async () => {
  const redisPort = await freePort();
  const httpPort = await freePort();
  const adminPort = await freePort();
  const statuses: number[] = [];
  const ended = await startExpectingExit({
    REDIS_URL: `redis://vigil:s3cretpass@127.0.0.1:${redisPort}/0`, VIGIL_REDIS_CONNECT_TIMEOUT_MS: '6000',
    VIGIL_HTTP_PORT: String(httpPort), VIGIL_ADMIN_PORT: String(adminPort),
  }, {
    whileRunning: async () => {
      // Probe as Kubernetes (admin port) and a load balancer (webhook port) would, until vigil is gone.
      for (let i = 0; i < 200; i++) {
        try {
          for (const port of [adminPort, httpPort]) statuses.push((await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).status);
        } catch {
          if (statuses.length) break;
        }
        await sleep(100);
      }
    },
  });
  assertOneLine(ended, 'VIGIL_ERR_REDIS_UNAVAILABLE', 69,
    new RegExp(`redis://vigil:\\*\\*\\*@127\\.0\\.0\\.1:${redisPort}/0: connection refused \\(ECONNREFUSED\\); gave up after \\d+ s \\(redis\\.connect_timeout_ms, VIGIL_REDIS_CONNECT_TIMEOUT_MS\\)`));
  assert.ok(ended.ms >= 6000, `it kept trying for the configured 6 s (${ended.ms} ms)`);
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 503), `/readyz while waiting: ${statuses.join(',')}`);
  const retries = ended.logs.filter((l) => l.msg === 'Redis is not reachable yet: retrying');
  assert.equal(retries.length, 1, 'one line for one reason, not one per attempt');
  assert.equal(retries[0].redis, `redis://vigil:***@127.0.0.1:${redisPort}/0`);
  assert.doesNotMatch(ended.stderr + JSON.stringify(ended.logs), /s3cretpass/, 'the password never shows');
});

test('a listener whose port is taken ends vigil at once (exit 71), naming the key and its variable: every listener', async () => {
  const redis = await startTestRedis();
  const pki = makePki();
  const certFile = join(pki.dir, 'listener.crt');
  const keyFile = join(pki.dir, 'listener.key');
  writeFileSync(certFile, pki.serverCert);
  writeFileSync(keyFile, pki.serverKey);
  try {
    for (const [listener, key, variable, extra] of [
      ['http', 'http_port', 'VIGIL_HTTP_PORT', {}],
      ['admin', 'admin\\.port', 'VIGIL_ADMIN_PORT', {}],
      ['udp', 'syslog_udp_port', 'VIGIL_SYSLOG_UDP_PORT', {}],
      ['tcp', 'syslog_tcp_port', 'VIGIL_SYSLOG_TCP_PORT', {}],
      ['tls', 'syslog_tls_port', 'VIGIL_SYSLOG_TLS_PORT', { VIGIL_TLS_CERT: certFile, VIGIL_TLS_KEY: keyFile }],
    ] as const) {
      const taken = await occupy(listener === 'udp' ? 'udp' : 'tcp');
      try {
        const ended = await startExpectingExit({ REDIS_URL: redis.url, [variable]: String(taken.port), ...extra }, { limitMs: 60_000 });
        assertOneLine(ended, 'VIGIL_ERR_LISTEN', 71,
          new RegExp(`listen\\.${key} \\(${variable}\\): cannot listen on 127\\.0\\.0\\.1:${taken.port}: the port is in use by another process \\(EADDRINUSE\\)`));
        assert.ok(!ended.logs.some((l) => l.msg === 'Vigil started'), `${listener}: never reported started`);
      } finally {
        await taken.close();
      }
    }
  } finally {
    pki.remove();
    await redis.destroy();
  }
});

test('a data dir vigil cannot create exits 73 in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-startup-'));
  try {
    writeFileSync(join(dir, 'file'), 'not a directory');
    const ended = await startExpectingExit({ VIGIL_DATA_DIR: join(dir, 'file', 'data') });
    assertOneLine(ended, 'VIGIL_ERR_DATA_DIR', 73, /data_dir \(VIGIL_DATA_DIR\) .*file\/data: ENOTDIR/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second vigil on the same data dir exits 75 in one line, and leaves the first one running', async () => {
  const first = await spawnVigil();
  try {
    const ended = await startExpectingExit({ VIGIL_DATA_DIR: first.dataDir });
    assertOneLine(ended, 'VIGIL_ERR_DATA_DIR_LOCKED', 75, new RegExp(`another vigil \\(pid ${first.child.pid}\\) is using the data dir`));
    assert.equal(first.child.exitCode, null, 'the first still runs');
    assert.equal(readFileSync(join(first.dataDir, 'vigil.pid'), 'utf8'), String(first.child.pid), 'its lock untouched');
  } finally {
    assert.equal(await first.stop(), 0);
    rmSync(first.dataDir, { recursive: true, force: true });
  }
});

test('no redis-server installed: exits 72 in one line saying how to get one', async () => {
  const ended = await startExpectingExit({ PATH: '/nonexistent' });
  assertOneLine(ended, 'VIGIL_ERR_REDIS_MISSING', 72, /redis-server: redis-server was not found on PATH\. Install it .* or point vigil at an existing Redis with REDIS_URL/);
});

test('a Node.js older than package.json engines: exits 78 in one line instead of failing on some syntax', { skip: !olderNode() && 'no Node.js older than engines on this machine' }, async () => {
  const ended = await startExpectingExit({}, { node: olderNode() });
  const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  assertOneLine(ended, 'VIGIL_ERR_NODE_VERSION', 78, new RegExp(`vigil needs Node.js ${engines.node} \\(package.json engines\\), this is v?\\d+`));
});

test('an unexpected failure at start keeps its stack (exit 1)', async () => {
  // A bug stand-in: listen() throws a plain Error, not one of the failures vigil expects.
  const inject = "import net from 'node:net'; net.Server.prototype.listen = function () { throw new Error('injected bug'); };";
  const ended = await startExpectingExit({ NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(inject)}`, PATH: '/nonexistent', REDIS_URL: 'redis://127.0.0.1:1' });
  assert.equal(ended.code, 1, ended.stderr);
  assert.match(ended.stderr, /^vigil: Error: injected bug\n\s+at /);
});

test('Redis going away while vigil runs: one "Redis unavailable" line with the reason, one "Redis is back", not a flood', async () => {
  const redis = await startRestartableRedis();
  const vigil = await spawnVigil({ REDIS_URL: redis.url });
  try {
    const from = vigil.logs.length;
    await redis.stop('SIGTERM');
    // Senders keep sending during the outage, as they would.
    const until = Date.now() + 7_000;
    while (Date.now() < until) {
      await fetch(`http://127.0.0.1:${vigil.port('http')}/ingest/json`, {
        method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
      // Written and closed from our side: a paused listener may not read it until Redis is back.
      await new Promise<void>((resolve) => {
        const socket = net.connect(vigil.port('tcp'), '127.0.0.1', () => socket.end('<13>1 2025-06-03T14:07:05Z host app - - - outage line\n', () => resolve()));
        socket.on('error', () => resolve());
        socket.setTimeout(5_000, () => socket.destroy());
        socket.on('close', () => resolve());
      });
      await sleep(200);
    }
    await redis.start();
    await waitFor(() => vigil.logs.slice(from).some((l) => l.msg === 'Redis is back'), 60_000, 'Redis is back');
    await sleep(2_000);
    const lines = vigil.logs.slice(from);
    const unavailable = lines.filter((l) => String(l.msg).startsWith('Redis unavailable'));
    assert.equal(unavailable.length, 1, lines.map((l) => l.msg).join('\n'));
    assert.match(String(unavailable[0].reason), /connection refused \(ECONNREFUSED\)|connection closed|connection reset/);
    assert.equal(unavailable[0].redis, redis.url);
    assert.equal(lines.filter((l) => l.msg === 'Redis is back').length, 1);
    // Besides it, each listener kind may say that it is holding senders back: once per its log
    // throttle's 10 s, so more than once only when the outage and the reconnection took longer.
    const loudLines = lines.filter((l) => Number(l.level) >= 40);
    const loud = loudLines.map((l) => String(l.msg));
    const spanMs = Number(loudLines.at(-1)?.time ?? 0) - Number(loudLines[0]?.time ?? 0);
    const perWindow = 1 + Math.floor(spanMs / 10_000);
    for (const msg of new Set(loud)) {
      assert.ok(loud.filter((m) => m === msg).length <= perWindow, `no warning repeated within 10 s (${spanMs} ms of warnings):\n${loud.join('\n')}`);
    }
    assert.ok(new Set(loud).size <= 3, `at most 3 kinds of warning:\n${loud.join('\n')}`);
    assert.ok(!lines.some((l) => Number(l.level) >= 50), `no error lines:\n${loud.join('\n')}`);
    assert.equal(vigil.stderr(), '');
  } finally {
    // The subject here is the log; a stop that does not finish is reported, then vigil is killed.
    const stopped = await Promise.race([vigil.stop(), sleep(30_000).then(() => 'still running' as const)]);
    if (stopped === 'still running') {
      console.log(`vigil did not stop within 30 s after the outage; its last log lines:\n${vigil.logs.slice(-15).map((l) => JSON.stringify(l).slice(0, 300)).join('\n')}`);
      await vigil.kill();
    }
    await redis.destroy();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
});

/** A Node.js on PATH older than engines (Debian's `node` here), or undefined. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
    if (Number(/^v(\d+)/.exec(version)?.[1]) < 22) return candidate;
  }
  return undefined;
}

async function occupy(kind: 'tcp' | 'udp'): Promise<{ port: number; close(): Promise<void> }> {
  if (kind === 'udp') {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return { port: socket.address().port, close: () => new Promise((resolve) => socket.close(() => resolve())) };
  }
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
