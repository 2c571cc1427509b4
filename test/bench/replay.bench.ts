import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpuSeconds, spawnVigil } from '../support/vigil.ts';
import { results } from './results.ts';
import type { BenchResult } from './run.ts';
import { child } from './child.ts';

const BACKLOG = Number(process.env.VIGIL_BENCH_BACKLOG ?? 100_000);
const CONNECTIONS = 4;
const TARGET_RATIO = 3;
/**
 * The outage is compressed, so the backoff cap is lowered from its 60 s default: the first retry
 * after the backend returns comes within 5 s instead of a minute. That wait is reported apart;
 * the drain rate runs from the first event delivered to the last.
 */
const CONFIG = process.env.VIGIL_BENCH_CONFIG ?? 'delivery: { max_backoff_ms: 5000, max_attempts: 1000 }';

/**
 * Replay after an outage: the Elasticsearch double (es-blackhole.ts, its own process) is down
 * while 100,000 NeuVector lines arrive over TCP, so they wait in the sink's queue in vigil's
 * embedded Redis (AOF on; vigil started as `npm start` starts it). Then the double comes back and
 * the backlog drains. Compared with the steady end-to-end figure: the e2e scenario's when it ran
 * earlier in the same invocation (`npm run bench -- e2e replay`), else VIGIL_BENCH_E2E_RATE, else
 * e2e is run first. VIGIL_BENCH_NODE_OPTIONS goes to vigil's NODE_OPTIONS (`--cpu-prof
 * --cpu-prof-dir=/tmp/prof` profiles the drain's process).
 */
export async function run(): Promise<BenchResult> {
  const steady = await steadyRate();
  const es = await child(fork(new URL('./es-blackhole.ts', import.meta.url).pathname, [], { execArgv: [] }));
  const esPort = ((await es.next()) as { port: number }).port;
  es.process.send('down');
  await es.next();
  const vigil = await spawnVigil(
    { VIGIL_LOG_LEVEL: 'info', VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_ES_URL: `http://127.0.0.1:${esPort}`, ...(process.env.VIGIL_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.VIGIL_BENCH_NODE_OPTIONS } : {}) },
    CONFIG,
  );
  const count = async () => {
    es.process.send('count');
    return (await es.next()) as { count: number; duplicates: number };
  };
  try {
    const built = Date.now();
    const sender = await child(fork(new URL('./tcp-sender.ts', import.meta.url).pathname,
      [String(vigil.port('tcp')), String(BACKLOG), String(CONNECTIONS), '0', '7'], { execArgv: [] }));
    await sender.next();
    // Every line parsed and fanned out to the sink queue, where it waits for the backend.
    await until(async () => (await parsed(vigil.port('admin'))) >= BACKLOG, 5 * 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const backlogSeconds = (Date.now() - built) / 1000;
    const queued = await sinkQueueDepth(vigil.port('admin'));

    const pid = vigil.child.pid!;
    const cpuBefore = { all: cpuSeconds(pid), main: cpuSeconds(pid, pid) };
    es.process.send('up');
    await es.next();
    const up = Date.now();
    let first = 0;
    let delivered = { count: 0, duplicates: 0 };
    /** When half and nine tenths of the backlog were in: a long tail shows as a late t90. */
    const reached = { half: 0, ninety: 0 };
    const deadline = up + 10 * 60_000;
    while (delivered.count < BACKLOG && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      delivered = await count();
      if (!first && delivered.count > 0) first = Date.now();
      if (!reached.half && delivered.count >= BACKLOG / 2) reached.half = Date.now();
      if (!reached.ninety && delivered.count >= BACKLOG * 0.9) reached.ninety = Date.now();
    }
    const done = Date.now();
    // The drain's CPU cost: steadier than its rate on shared cores, and the main thread's share shows
    // whether it is the limit.
    const cpu = { all: cpuSeconds(pid) - cpuBefore.all, main: cpuSeconds(pid, pid) - cpuBefore.main };
    const drainSeconds = (done - first) / 1000;
    const rate = delivered.count / drainSeconds;
    const ratio = rate / steady.rate;
    const meets = delivered.count === BACKLOG && delivered.duplicates === 0 && ratio >= TARGET_RATIO;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    return {
      lines: [
        `backlog:      ${fmt(BACKLOG)} events over TCP while Elasticsearch was down, queued in ${backlogSeconds.toFixed(1)} s (${queued} sink batches)`,
        `first event delivered ${((first - up) / 1000).toFixed(2)} s after Elasticsearch came back (backoff wait, not counted below)`,
        `drained ${delivered.count}/${BACKLOG} (${delivered.duplicates} duplicate _ids) in ${drainSeconds.toFixed(2)} s (half in ${((reached.half - first) / 1000).toFixed(2)} s, 90 % in ${((reached.ninety - first) / 1000).toFixed(2)} s)`,
        `replay drain: ${fmt(rate)} events/s`,
        `vigil CPU:    ${cpu.all.toFixed(2)} s (${fmt((cpu.all / delivered.count) * 1e6)} µs per event), main thread ${cpu.main.toFixed(2)} s (${Math.round((cpu.main / drainSeconds) * 100)} % of the drain)`,
        `e2e steady:   ${fmt(steady.rate)} events/s (${steady.source})`,
        `ratio:        ${ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`,
      ],
      figures: {
        backlog: BACKLOG, delivered: delivered.count, duplicates: delivered.duplicates, first_delivery_s: (first - up) / 1000,
        drain_s: drainSeconds, drain_events_per_s: Math.round(rate),
        cpu_us_per_event: Math.round((cpu.all / delivered.count) * 1e6), main_thread_cpu_s: Number(cpu.main.toFixed(2)), e2e_events_per_s: Math.round(steady.rate),
        ratio: Number(ratio.toFixed(2)), meets_target: meets,
      },
    };
  } finally {
    es.process.send('stop');
    await vigil.stop();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
}

async function steadyRate(): Promise<{ rate: number; source: string }> {
  const earlier = results.get('e2e')?.events_per_s;
  if (typeof earlier === 'number') return { rate: earlier, source: 'e2e scenario of this run' };
  if (process.env.VIGIL_BENCH_E2E_RATE) return { rate: Number(process.env.VIGIL_BENCH_E2E_RATE), source: 'VIGIL_BENCH_E2E_RATE' };
  const e2e = await (await import('./e2e.bench.ts')).run();
  results.set('e2e', e2e.figures);
  return { rate: Number(e2e.figures.events_per_s), source: 'e2e run just before' };
}

async function metrics(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
}

async function parsed(port: number): Promise<number> {
  let sum = 0;
  for (const [, value] of (await metrics(port)).matchAll(/^vigil_events_parsed_total\{[^}]*\} (\d+)/gm)) sum += Number(value);
  return sum;
}

async function sinkQueueDepth(port: number): Promise<number> {
  return Number(/^vigil_queue_depth_jobs\{queue="sink-elasticsearch"\} (\d+)/m.exec(await metrics(port))?.[1] ?? 0);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
