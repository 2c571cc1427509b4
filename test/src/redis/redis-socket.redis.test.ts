import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parseConfig } from '../../../src/config/load.ts';
import { ioredisOptions, startRedisServer } from '../../../src/redis/redis-server.ts';
import { openRedis } from '../../../src/redis/redis-target.ts';

// A data dir too deep for a unix socket (sun_path: 108 bytes on Linux) must not leave the embedded
// Redis on TCP without a password, where any local user could read and change the queues.

const run = promisify(execFile);

function deepDir(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'vigil-deep-'));
  const dir = join(root, 'a-rather-long-directory-name-'.repeat(4), 'data', 'redis');
  mkdirSync(dir, { recursive: true });
  assert.ok(Buffer.byteLength(join(dir, 'redis.sock')) > 108, 'too deep for a socket in it');
  return { root, dir };
}

test('a data dir too deep for a socket gets one in a private (0700) directory under the temp dir, not TCP', async () => {
  const { root, dir } = deepDir();
  const server = await startRedisServer({ dir, socket: true });
  try {
    assert.ok('path' in server.target, `a unix socket, not ${JSON.stringify(server.target)}`);
    const socketDir = dirname(server.target.path);
    assert.ok(socketDir.startsWith(tmpdir()));
    assert.equal(statSync(socketDir).mode & 0o777, 0o700);
    const client = new Redis(ioredisOptions(server.target));
    assert.equal(await client.ping(), 'PONG');
    assert.deepEqual(await client.config('GET', 'port'), ['port', '0'], 'no TCP port');
    client.disconnect();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'redis.target'), 'utf8')), server.target, 'where vigil dlq finds it');
    assert.equal(statSync(join(dir, 'redis.target')).mode & 0o777, 0o600);
    await server.stop();
    assert.throws(() => statSync(socketDir), 'the socket directory is removed at stop');
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('when no short socket path exists either, TCP gets a random password from a 0600 config file, never the command line', async () => {
  const { root, dir } = deepDir();
  const server = await startRedisServer({ dir, socket: true, shortSocketParent: dir });
  try {
    assert.ok('url' in server.target, 'TCP');
    const url = new URL(server.target.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(url.password.length >= 32, 'a random password');
    const anonymous = await run('redis-cli', ['-p', url.port, 'ping']);
    assert.match(anonymous.stdout, /NOAUTH/, 'another local user without the password is refused');
    const client = new Redis(ioredisOptions(server.target));
    assert.equal(await client.ping(), 'PONG');
    client.disconnect();
    assert.ok(!readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').includes(url.password), 'not on the command line');
    assert.equal(statSync(join(dir, 'auth.conf')).mode & 0o777, 0o600);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('vigil dlq finds the running embedded Redis where its start recorded it, socket moved or not', async () => {
  const { root, dir } = deepDir();
  const server = await startRedisServer({ dir, socket: true });
  try {
    const config = parseConfig({ data_dir: dirname(dir) });
    const handle = await openRedis(config, { reuseRunning: true });
    assert.equal(handle.embedded, false, 'reused, not started again');
    assert.deepEqual(handle.target, server.target);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
