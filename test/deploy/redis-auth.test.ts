import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../../src/redis/redis-server.ts';
import { openRedis } from '../../src/redis/redis-target.ts';
import { yamlDocuments } from './known.ts';

// The Kubernetes Redis runs with the Secret's password: the manifest's own init command, server
// arguments and probe run here against a real redis-server, with the pod's paths mapped to a temp
// dir (and the probe pointed at this test's port), and vigil connects with REDIS_PASSWORD_FILE.

const run = promisify(execFile);
interface Container { name: string; command?: string[]; args?: string[]; livenessProbe?: { exec: { command: string[] } }; readinessProbe?: { exec: { command: string[] } } }
type StatefulSet = { kind: string; metadata: { name: string }; spec: { template: { spec: { initContainers: Container[]; containers: Container[] } } } };
const statefulSets = yamlDocuments('config/kubernetes/redis.yaml') as StatefulSet[];
const statefulSet = statefulSets.find((doc) => doc.kind === 'StatefulSet' && doc.metadata.name === 'redis')!;
const sentinels = statefulSets.find((doc) => doc.kind === 'StatefulSet' && doc.metadata.name === 'redis-sentinel')!;
const secret = yamlDocuments('config/kubernetes/secret.yaml')[0] as { stringData: Record<string, string> };

test('the Kubernetes Redis requires the Secret\'s password, read from files only, and vigil authenticates with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-redis-'));
  const map = (text: string) => text.replaceAll('/etc/redis/secrets', join(dir, 'secrets')).replaceAll('/etc/redis/conf', join(dir, 'conf'))
    .replaceAll('/etc/redis/sentinel', join(dir, 'sentinel')).replace(/^\/data$/, join(dir, 'data'));
  for (const sub of ['secrets', 'conf', 'data', 'sentinel']) mkdirSync(join(dir, sub));
  const password = secret.stringData['redis-password'];
  assert.ok(password, 'the Secret has a redis-password');
  writeFileSync(join(dir, 'secrets', 'redis-password'), password);
  const port = await freePort();
  const { initContainers: [init], containers: [redis] } = statefulSet.spec.template.spec;
  let server: ReturnType<typeof spawn> | undefined;
  let sentinel: ReturnType<typeof spawn> | undefined;
  try {
    // As the pod redis-1 would with no sentinel answering yet: a replica of redis-0, with the
    // password for its master too. Then as redis-0: the master, the config the server below runs.
    const conf = join(dir, 'conf', 'redis.conf');
    const asPod = (command: Container, pod: string) => run(command.command![0], [command.command![1], map(command.command![2])], { env: { PATH: process.env.PATH ?? '', HOSTNAME: pod } });
    await asPod(init, 'redis-1');
    assert.equal(readFileSync(conf, 'utf8'), `requirepass "${password}"\nmasterauth "${password}"\nreplica-announce-ip redis-1.redis\nreplicaof redis-0.redis 6379\n`);
    await asPod(init, 'redis-0');
    assert.equal(statSync(conf).mode & 0o777, 0o600, 'the config file holding the password is private');
    assert.equal(readFileSync(conf, 'utf8'), `requirepass "${password}"\nmasterauth "${password}"\nreplica-announce-ip redis-0.redis\n`);

    // Each sentinel: its password, the master set vigil asks for (the Deployments' REDIS_SENTINEL_MASTER).
    await asPod(sentinels.spec.template.spec.initContainers[0], 'redis-sentinel-2');
    const sentinelConf = join(dir, 'sentinel', 'sentinel.conf');
    assert.equal(statSync(sentinelConf).mode & 0o777, 0o600);
    const sentinelText = readFileSync(sentinelConf, 'utf8');
    for (const line of [`requirepass "${password}"`, `sentinel sentinel-pass "${password}"`, 'sentinel monitor vigil redis-0.redis 6379 2', `sentinel auth-pass vigil "${password}"`, 'sentinel announce-ip redis-sentinel-2.redis-sentinel']) {
      assert.ok(sentinelText.split('\n').includes(line), `sentinel.conf lacks: ${line.replace(password, '<password>')}`);
    }
    assert.ok(!JSON.stringify(sentinels).includes(password), 'never on a command line');
    // The image's entrypoint runs `redis-server <args>` when the first argument is a .conf file.
    assert.match(redis.args![0], /\.conf$/);
    assert.ok(!redis.args!.some((arg) => arg.includes(password)) && !JSON.stringify(statefulSet).includes(password), 'never on a command line');
    server = spawn('redis-server', [...redis.args!.map(map), '--port', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
    const client = (options: Record<string, unknown>) => {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
      c.on('error', () => undefined);
      return c;
    };
    for (let i = 0; ; i++) {
      const probe = client({ password });
      try {
        await probe.connect();
        break;
      } catch (error) {
        if (i > 100) throw error;
        await sleep(50);
      } finally {
        probe.disconnect();
      }
    }
    // Without the password (redis-cli speaks RESP2, so the server's own NOAUTH reply shows).
    const anonymous = await run('redis-cli', ['-p', String(port), 'ping']);
    assert.match(anonymous.stdout, /NOAUTH/);

    // redis-server takes the sentinel's file as written (only the master's address points at this
    // test's server) and reaches the master with the password: the monitored set has its address.
    const sentinelPort = await freePort();
    writeFileSync(sentinelConf, sentinelText.replace('redis-0.redis 6379', `127.0.0.1 ${port}`));
    sentinel = spawn('redis-server', [sentinelConf, '--sentinel', '--port', String(sentinelPort), '--bind', '127.0.0.1'], { stdio: 'ignore' });
    await waitForAnswer(async () => {
      const { stdout } = await run('redis-cli', ['-p', String(sentinelPort), '--raw', 'sentinel', 'master', 'vigil'], { env: { PATH: process.env.PATH ?? '', REDISCLI_AUTH: password } });
      const fields = stdout.trim().split('\n');
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      return field('ip') === '127.0.0.1' && field('port') === String(port) && field('flags') === 'master';
    });

    for (const probe of [redis.readinessProbe!, redis.livenessProbe!]) {
      const [probeShell, probeFlag, probeScript] = probe.exec.command;
      await run(probeShell, [probeFlag, map(probeScript).replace('redis-cli ping', `redis-cli -p ${port} ping`)]);
    }
    const wrong = join(dir, 'secrets', 'redis-password');
    writeFileSync(wrong, 'not-the-password');
    const [probeShell, probeFlag, probeScript] = redis.livenessProbe!.exec.command;
    await assert.rejects(run(probeShell, [probeFlag, map(probeScript).replace('redis-cli ping', `redis-cli -p ${port} ping`)]), 'the probe fails without the password');
    writeFileSync(wrong, password);

    const config = loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PASSWORD_FILE: join(dir, 'secrets', 'redis-password'), VIGIL_DATA_DIR: dir }, new URL('../../config/default.yaml', import.meta.url).pathname);
    const handle = await openRedis(config);
    const vigil = new Redis({ ...handle.endpoint.options, lazyConnect: true, maxRetriesPerRequest: 0 });
    await vigil.connect();
    assert.equal(await vigil.ping(), 'PONG');
    vigil.disconnect();
  } finally {
    sentinel?.kill('SIGTERM');
    if (sentinel && sentinel.exitCode === null) await once(sentinel, 'exit');
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await once(server, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Polls until `check` holds (a server or sentinel just started needs a moment to answer). */
async function waitForAnswer(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error('no answer within 10 s');
}
