import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpuSeconds, spawnVigil, type SpawnedVigil } from '../support/vigil.ts';
import { startTestRedis } from '../support/redis.ts';
import type { BenchResult } from './run.ts';
import { child } from './child.ts';
import { deliveredAtLeast, startDouble } from './contenders.ts';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 200_000);
const CONNECTIONS = 4;
/** Sent and delivered before measuring, so JIT warm-up and the index template install are not counted. */
const WARMUP_EVENTS = 20_000;
const ROLES = ['ingest', 'process', 'deliver'] as const;

/**
 * The cost of each role on its own: one `ingest`, one `process` and one `deliver` vigil (started as
 * `npm start` starts them, one process thread) on one redis-server, NeuVector kv lines over TCP to
 * the ingest node, an Elasticsearch double in another process. What each process (all its
 * threads) and redis-server spent in CPU time per event, read from /proc, gives events/s per core
 * of each role. CPU time, not elapsed time: the figure holds on a machine busy with other work,
 * where the wall-clock rate does not.
 */
export async function run(): Promise<BenchResult> {
  const redis = await startTestRedis();
  const es = await startDouble();
  const esPort = es.port;
  const nodes = new Map<string, SpawnedVigil>();
  const off = { VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_HTTP_PORT: 'off' };
  try {
    for (const role of ROLES) {
      nodes.set(role, await spawnVigil({
        ...off, ...(role === 'ingest' ? {} : { VIGIL_SYSLOG_TCP_PORT: 'off' }),
        REDIS_URL: redis.url, VIGIL_ROLE: role, VIGIL_ES_URL: `http://127.0.0.1:${esPort}`,
      }, 'process: { threads: 1 }\n'));
    }
    const send = async (count: number, seed: number) => {
      const sender = await child(fork(new URL('./tcp-sender.ts', import.meta.url).pathname,
        [String(nodes.get('ingest')!.port('tcp')), String(count), String(CONNECTIONS), '0', String(seed)], { execArgv: [] }));
      return (await sender.next()) as { seconds: number };
    };
    const cpu = () => ({ ...Object.fromEntries(ROLES.map((role) => [role, cpuSeconds(nodes.get(role)!.child.pid!)])), redis: cpuSeconds(redis.pid) }) as Record<string, number>;

    await send(WARMUP_EVENTS, 1);
    await deliveredAtLeast(es, WARMUP_EVENTS);
    const before = cpu();
    const started = Date.now();
    await send(EVENTS, 2);
    const total = await deliveredAtLeast(es, WARMUP_EVENTS + EVENTS);
    const seconds = (Date.now() - started) / 1000;
    const after = cpu();
    const delivered = total.count - WARMUP_EVENTS;
    const micros = Object.fromEntries(Object.keys(after).map((k) => [k, ((after[k] - before[k]) * 1e6) / EVENTS]));
    const perCore = (k: string) => Math.round(1e6 / micros[k]);
    const lines = [
      `delivered ${delivered}/${EVENTS} events (${total.duplicates} duplicate _ids) in ${seconds.toFixed(1)} s (elapsed; the machine's other load counts here)`,
      ...[...ROLES, 'redis'].map((k) => `${k.padEnd(8)} ${micros[k].toFixed(1).padStart(6)} CPU-µs per event → ${perCore(k).toLocaleString('en-US').padStart(8)} events/s per core`),
      `(one process thread; after a warm-up of ${WARMUP_EVENTS.toLocaleString('en-US')} events, not counted)`,
    ];
    return {
      lines,
      figures: {
        events: EVENTS, delivered, duplicates: total.duplicates, seconds,
        ...Object.fromEntries(Object.keys(micros).flatMap((k) => [[`${k}_cpu_us_per_event`, Number(micros[k].toFixed(1))], [`${k}_events_per_core_s`, perCore(k)]])),
      },
    };
  } finally {
    es.stop();
    for (const node of nodes.values()) {
      await node.stop();
      rmSync(node.dataDir, { recursive: true, force: true });
    }
    await redis.destroy();
  }
}
