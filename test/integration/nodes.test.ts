import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, spawnVigil } from '../support/vigil.ts';
import { startTestRedis } from '../support/redis.ts';
import { waitFor } from '../support/memory-sink.ts';

const run = promisify(execFile);

/** `vigil status` as a user runs it, against the Redis in `env`. */
async function vigilStatus(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), 'status', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('a split role without a shared Redis refuses to start with exit 2 and says why', async () => {
  await assert.rejects(spawnVigil({ VIGIL_ROLE: 'deliver' }), (error: Error) => {
    assert.match(error.message, /exited with 2 /);
    assert.match(error.message, /VIGIL_ERR_REDIS_NOT_SHARED: role deliver \(VIGIL_ROLE\) needs the Redis the other roles use: set REDIS_URL/);
    return true;
  });
});

test('nodes register in Redis: vigil status and the status page list them; a node with another sink set refuses to start', async () => {
  const redis = await startTestRedis();
  const env = { REDIS_URL: redis.url, VIGIL_HEARTBEAT_INTERVAL_MS: '300' };
  const first = await spawnVigil(env);
  try {
    const { stdout } = await vigilStatus(['--json'], env);
    const { nodes } = JSON.parse(stdout) as { nodes: Array<Record<string, unknown>> };
    assert.equal(nodes.length, 1);
    const [node] = nodes;
    assert.equal(node.role, 'all');
    assert.equal(node.pid, first.child.pid);
    assert.deepEqual(node.sinks, ['file']);
    assert.equal(node.admin, `127.0.0.1:${first.port('admin')}`);
    assert.match(String(node.fingerprint), /^[0-9a-f]{16}$/);
    assert.ok(Number(node.heartbeatAgeSeconds) < 5);

    // Rates come from the heartbeat's status snapshot: they move once events flow.
    const post = () => fetch(`http://127.0.0.1:${first.port('http')}/ingest/json`, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } });
    await waitFor(async () => {
      await post();
      const nodes = (JSON.parse((await vigilStatus(['--json'], env)).stdout) as { nodes: Array<{ inPerSecond: number; outPerSecond: number }> }).nodes;
      return nodes[0].inPerSecond > 0 && nodes[0].outPerSecond > 0;
    }, 30_000, 'rates in vigil status');

    const refused = await spawnVigil({ ...env, VIGIL_ROLE: 'deliver' }, `sinks:\n  file: {}\n  loki: { url: "http://127.0.0.1:9" }\n`).then(
      async (v) => { await v.stop(); return undefined; },
      (error: Error) => error.message,
    );
    assert.ok(refused, 'the deliver node with an extra sink started');
    assert.match(refused, /exited with 2 /);
    assert.match(refused, new RegExp(`VIGIL_ERR_SINK_SET_MISMATCH[^]*sink set differs from node ${node.id} \\(all@[^:]+:${first.child.pid}\\): extra loki`));

    const table = await vigilStatus([], env);
    assert.equal(table.code, 0);
    const [header, row, extra] = table.stdout.trim().split('\n');
    assert.match(header, /^node +role +host +pid +version +in\/s +out\/s +health/);
    assert.match(row, new RegExp(`^${node.id} +all +\\S+ +${first.child.pid} `));
    assert.equal(extra, undefined, 'the refused node left no entry');

    const page = await fetch(`http://127.0.0.1:${first.port('admin')}/status.json`).then((r) => r.json()) as { nodes: Array<{ id: string }> };
    assert.deepEqual(page.nodes.map((n) => n.id), [node.id]);
    const html = await fetch(`http://127.0.0.1:${first.port('admin')}/status`).then((r) => r.text());
    assert.match(html, new RegExp(`<h2>Nodes</h2><table id="nodes">.*<td>${node.id}</td><td>all</td>`));
  } finally {
    assert.equal(await first.stop(), 0);
  }
  try {
    const after = await vigilStatus([], env);
    assert.equal(after.code, 1, 'a gracefully stopped node is gone at once, not after 3 heartbeats');
    assert.match(after.stderr, /no live vigil nodes on this Redis \(prefix vigil\)/);
  } finally {
    await redis.destroy();
  }
});
