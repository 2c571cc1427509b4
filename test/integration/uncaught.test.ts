import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnVigil } from '../support/vigil.ts';
import { waitFor } from '../support/memory-sink.ts';
import { alive } from '../../src/redis/redis-server.ts';

/** Preloaded into vigil: a bug that escapes every handler, set off by a signal once vigil runs. */
const inject = (code: string) => ({ NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(`process.on('SIGUSR2', () => { ${code} })`)}` });

for (const [kind, code] of [
  ['uncaught exception', "throw new Error('injected bug')"],
  ['unhandled rejection', "Promise.reject(new Error('injected bug'))"],
]) {
  test(`an ${kind} is logged loudly and vigil exits 70, not half-working`, async () => {
    const vigil = await spawnVigil(inject(code));
    let stderr = '';
    vigil.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => vigil.child.once('exit', resolve));
    try {
      vigil.child.kill('SIGUSR2');
      assert.equal(await exited, 70);
      assert.match(stderr, new RegExp(`vigil: ${kind}: Error: injected bug`));
      assert.ok(vigil.logs.some((l) => l.level === 60 && l.msg === `${kind}: vigil exits`), 'a fatal log line');
    } finally {
      await vigil.kill();
      // The embedded redis-server outlives a crashed vigil (the next start stops it): stop it here.
      const redisPid = Number(readFileSync(join(vigil.dataDir, 'redis', 'redis.pid'), 'utf8'));
      process.kill(redisPid, 'SIGTERM');
      await waitFor(() => !alive(redisPid), 10_000, 'the orphaned redis-server to stop');
      rmSync(vigil.dataDir, { recursive: true, force: true });
    }
  });
}
