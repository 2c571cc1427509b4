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
import { freePort } from '../../src/pipeline/redis-server.ts';
import { openRedis } from '../../src/pipeline/redis-target.ts';
import { yamlDocuments } from './known.ts';

// The Kubernetes Redis runs with the Secret's password: the manifest's own init command, server
// arguments and probe run here against a real redis-server, with the pod's paths mapped to a temp
// dir (and the probe pointed at this test's port), and vigil connects with REDIS_PASSWORD_FILE.

const run = promisify(execFile);
interface Container { name: string; command?: string[]; args?: string[]; livenessProbe?: { exec: { command: string[] } }; readinessProbe?: { exec: { command: string[] } } }
const statefulSet = (yamlDocuments('config/kubernetes/redis.yaml') as Array<{ kind: string; spec: { template: { spec: { initContainers: Container[]; containers: Container[] } } } }>)
  .find((doc) => doc.kind === 'StatefulSet')!;
const secret = yamlDocuments('config/kubernetes/secret.yaml')[0] as { stringData: Record<string, string> };

test('the Kubernetes Redis requires the Secret\'s password, read from files only, and vigil authenticates with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-redis-'));
  const map = (text: string) => text.replaceAll('/etc/redis/secrets', join(dir, 'secrets')).replaceAll('/etc/redis/conf', join(dir, 'conf')).replace(/^\/data$/, join(dir, 'data'));
  for (const sub of ['secrets', 'conf', 'data']) mkdirSync(join(dir, sub));
  const password = secret.stringData['redis-password'];
  assert.ok(password, 'the Secret has a redis-password');
  writeFileSync(join(dir, 'secrets', 'redis-password'), password);
  const port = await freePort();
  const { initContainers: [init], containers: [redis] } = statefulSet.spec.template.spec;
  let server: ReturnType<typeof spawn> | undefined;
  try {
    const [shell, flag, script] = init.command!;
    await run(shell, [flag, map(script)]);
    const conf = join(dir, 'conf', 'auth.conf');
    assert.equal(statSync(conf).mode & 0o777, 0o600, 'the config file holding the password is private');
    assert.ok(readFileSync(conf, 'utf8').includes(password));
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
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await once(server, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});
