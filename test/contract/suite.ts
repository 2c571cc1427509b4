import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestRedis, type TestRedis } from '../support/redis.ts';
import { ROOT, spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { waitFor } from '../support/memory-sink.ts';
import { adapters, type ContractBackend, type SinkAdapter } from './adapters.ts';
import { duplicateIds, markerCounts, SteadyLoad } from './load.ts';
import { productionFaults } from './production.ts';

/**
 * The delivery contract every sink must keep, run against each registered sink with a real vigil
 * process, a real redis-server and real senders (the model: Vector's sink compliance tests):
 *
 *   outage      the backend is down for a while under steady load: afterwards every event is
 *               there exactly once, and meanwhile another sink and the listeners carry on
 *   faults      the transient faults the backend really produces (429 on requests and on items,
 *               503 bursts, slow answers, dropped connections): every event exactly once
 *   rejection   events the backend refuses for good: in the dead-letter queue with the reason,
 *               the rest delivered, and `vigil dlq replay` delivers them once the cause is fixed
 *
 * Durations are compressed (an outage of ~12 s, backoffs of at most half a second).
 */

const OUTAGE_MS = 12_000;
const FAULT_PHASE_MS = 2_500;
/** Another sink must hold every event handed over this long ago, even while one sink is down. */
// The outage lasts OUTAGE_MS (12 s): a witness held up by it would lag that long. 5 s leaves room for a
// 2-core machine running the production-size scenarios beside this one.
const WITNESS_LAG_MS = 5_000;
const DELIVERY = '{ initial_backoff_ms: 50, max_backoff_ms: 500, max_attempts: 100000 }';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = promisify(execFile);

interface Running {
  redis: TestRedis;
  vigil: SpawnedVigil;
  load: SteadyLoad;
}

async function startVigil(sinks: Array<{ name: string; backend: ContractBackend }>, poisonEvery = 0): Promise<Running> {
  const redis = await startTestRedis();
  const config = [
    `delivery: ${DELIVERY}`,
    'sinks:',
    ...sinks.map(({ name, backend }) => `  ${name}: ${backend.sinkConfig}`),
  ].join('\n');
  const env = Object.assign({ REDIS_URL: redis.url, VIGIL_SYSLOG_UDP_PORT: 'off' }, ...sinks.map((s) => s.backend.env));
  const vigil = await spawnVigil(env, config).catch(async (error: unknown) => {
    await redis.destroy();
    throw error;
  });
  const load = new SteadyLoad({ tcpPort: vigil.port('tcp'), httpPort: vigil.port('http'), poisonEvery });
  return { redis, vigil, load };
}

async function stopVigil(running: Running | undefined): Promise<void> {
  if (!running) return;
  running.load.abort();
  const code = await running.vigil.stop();
  rmSync(running.vigil.dataDir, { recursive: true, force: true });
  await running.redis.destroy();
  assert.equal(code, 0, 'vigil stops cleanly');
}

/** Waits until the backend holds every expected marker, lets stragglers arrive, then checks exactly once. */
async function assertExactlyOnce(what: string, backend: ContractBackend, expected: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(() => {
    const counts = markerCounts(backend.stored());
    return expected.every((marker) => counts.has(marker));
  }, timeoutMs, `${expected.length} events in ${what}`).catch((error: Error) => {
    const counts = markerCounts(backend.stored());
    const missing = expected.filter((marker) => !counts.has(marker));
    throw new Error(`${error.message}: ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`);
  });
  await sleep(1_000);
  const stored = backend.stored();
  const counts = markerCounts(stored);
  const wanted = new Set(expected);
  const twice = [...counts].filter(([, n]) => n > 1).map(([marker, n]) => `${marker} ×${n}`);
  const unexpected = [...counts.keys()].filter((marker) => !wanted.has(marker));
  assert.deepEqual(twice, [], `${what}: no event stored twice`);
  assert.deepEqual(unexpected, [], `${what}: nothing stored that was not expected`);
  assert.equal(stored.length, expected.length, `${what}: one stored copy per event`);
  assert.deepEqual(duplicateIds(stored), [], `${what}: no event id stored twice`);
}

/** The contract for one sink. */
export function sinkContract(adapter: SinkAdapter): void {
  const { sink } = adapter;
  // The other sink in the outage scenario: it must not notice this one is down.
  const witnessName = sink === 'file' ? 'elasticsearch' : 'file';

  test(`outage: ${sink} down for ${OUTAGE_MS / 1000} s under steady load, then every event exactly once; ${witnessName} and the listeners unaffected`, async () => {
    const backend = await adapter.start();
    const witness = await adapters[witnessName]!.start();
    let running: Running | undefined;
    try {
      running = await startVigil([{ name: sink, backend }, { name: witnessName, backend: witness }]);
      const { load } = running;
      await load.start();
      await sleep(2_000);
      await backend.down();
      const storedWhenDown = backend.stored().length;
      await sleep(OUTAGE_MS);

      const counts = markerCounts(witness.stored());
      const cutoff = Date.now() - WITNESS_LAG_MS;
      const lagging = load.handedOver.filter((marker) => load.handedOverAt.get(marker)! <= cutoff && !counts.has(marker));
      assert.deepEqual(lagging.slice(0, 5), [], `${witnessName} kept up while ${sink} was down (${lagging.length} events behind)`);
      assert.deepEqual([...new Set(load.webhookStatuses)], [200], 'webhooks answered 200 throughout the outage');
      assert.equal(backend.stored().length, storedWhenDown, `${sink} really stored nothing while down`);

      await backend.up();
      await sleep(2_000);
      await load.stop();
      assert.ok(load.handedOver.length > 0);
      await assertExactlyOnce(sink, backend, load.handedOver);
      await assertExactlyOnce(witnessName, witness, load.handedOver);
    } finally {
      await stopVigil(running);
      await Promise.all([backend.close(), witness.close()]);
    }
  });

  test(`faults: ${sink} through the transient faults its backend produces, every event exactly once`, async (t) => {
    const backend = await adapter.start();
    let running: Running | undefined;
    try {
      if (!backend.faults?.length) return t.skip(`${sink} has no transient faults besides an outage`);
      running = await startVigil([{ name: sink, backend }]);
      const { load } = running;
      await load.start();
      await sleep(1_000);
      for (const fault of backend.faults) {
        fault.inject();
        await sleep(FAULT_PHASE_MS);
        assert.ok(fault.happened(), `fault "${fault.name}" was really answered`);
        fault.clear();
        await sleep(300);
      }
      await load.stop();
      await assertExactlyOnce(sink, backend, load.handedOver);
    } finally {
      await stopVigil(running);
      await backend.close();
    }
  });

  test(`rejection: events ${sink} refuses for good go to its dead-letter queue with the reason, the rest are delivered, replay delivers them after the fix`, async (t) => {
    const backend = await adapter.start();
    let running: Running | undefined;
    try {
      if (!backend.rejectFor) return t.skip(`${sink} never refuses an event for good`);
      backend.rejectFor((text) => text.includes('-poison'));
      running = await startVigil([{ name: sink, backend }], 10);
      const { load, redis } = running;
      await load.start();
      await sleep(3_000);
      await load.stop();
      const poison = load.poison();
      const good = load.handedOver.filter((marker) => !marker.endsWith('-poison'));
      assert.ok(poison.length > 0);

      const dlqKey = `vigil:dlq:${sink}`;
      const client = redis.client();
      await assertExactlyOnce(`${sink} (all but the refused)`, backend, good);
      await waitFor(async () => (await client.llen(dlqKey)) >= poison.length, 30_000, `${poison.length} dead letters`);
      const letters = (await client.lrange(dlqKey, 0, -1)).map((text) => JSON.parse(text) as { reason: string; detail: string; event: { json: string } });
      assert.deepEqual([...markerCounts(letters.map((l) => l.event.json)).keys()].sort(), [...poison].sort(), 'exactly the refused events are dead letters');
      assert.deepEqual([...new Set(letters.map((l) => l.reason))], [backend.rejectionReason], 'with the reason');
      assert.ok(letters.every((l) => l.detail.length > 0), 'and the backend\'s answer');

      backend.fixRejection!();
      const replay = await run(process.execPath, [join(ROOT, 'src/cli/vigil.ts'), 'dlq', 'replay', sink, '--limit', '100000'], {
        cwd: ROOT, env: { PATH: process.env.PATH ?? '', REDIS_URL: redis.url, ...backend.env },
      });
      assert.match(replay.stdout, new RegExp(`${poison.length} event\\(s\\) queued`));
      await assertExactlyOnce(`${sink} after the replay`, backend, load.handedOver);
      assert.equal(await client.llen(dlqKey), 0, 'the dead-letter queue is empty');
    } finally {
      await stopVigil(running);
      await backend.close();
    }
  });
}

/** Runs the contract for every sink in the registry; a sink without an adapter fails. */
export function contractForEverySink(registered: readonly string[]): void {
  // Two sinks at a time: the scenarios mostly wait (outages, fault phases), so this halves the
  // wall time without crowding two cores.
  describe('sink contract', { concurrency: 2 }, () => {
    for (const sink of registered) {
      describe(sink, { concurrency: 1 }, () => {
        const adapter = adapters[sink];
        if (!adapter) {
          test('has a contract adapter', () => assert.fail(`sink "${sink}" has no adapter in test/contract/adapters.ts: add one so the contract suite runs against it`));
          return;
        }
        sinkContract(adapter);
        productionFaults(adapter, test);
      });
    }
    test('every adapter drives a registered sink', () => {
      assert.deepEqual(Object.keys(adapters).filter((name) => !registered.includes(name)), []);
    });
  });
}
