import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { residentMemory, spawnVigil } from '../support/vigil.ts';
import type { BenchResult } from './run.ts';
import { child } from './child.ts';

/** 1,000,000 by default; VIGIL_BENCH_SOAK_EVENTS runs it smaller (or larger). */
const EVENTS = Number(process.env.VIGIL_BENCH_SOAK_EVENTS ?? 1_000_000);
/** Share of Elasticsearch bulks answered with a whole-request 429. */
const THROTTLED_SHARE = 0.1;
const SAMPLE_MS = 1_000;
/** The curve is flat when the last third of the run peaks at most this much above the middle third. */
const FLAT_TOLERANCE = 0.1;
/** Retries come back within half a second, as a cluster shedding load for a moment would want. */
const CONFIG = process.env.VIGIL_BENCH_CONFIG ?? 'delivery: { initial_backoff_ms: 100, max_backoff_ms: 500, max_attempts: 1000 }';

/**
 * Soak: EVENTS NeuVector kv lines over one TCP connection, as fast as vigil reads them, to one
 * vigil started as `npm start` starts it (same node flags and 192 MB heap, embedded Redis with AOF),
 * delivering to an Elasticsearch double in its own process that answers every tenth bulk with a
 * whole-request 429. Passes when every event arrives exactly once (unique _ids, no 409
 * redeliveries) and vigil's RSS, sampled every second, does not climb: the last third of the run
 * peaks within 10 % of the middle third (the first third is warm-up: JIT, pools, Redis connections).
 */
export async function run(): Promise<BenchResult> {
  const es = await child(fork(new URL('./es-blackhole.ts', import.meta.url).pathname, [String(THROTTLED_SHARE)], { execArgv: [] }));
  const esPort = ((await es.next()) as { port: number }).port;
  const vigil = await spawnVigil(
    { VIGIL_LOG_LEVEL: 'info', VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_HTTP_PORT: 'off', VIGIL_ES_URL: `http://127.0.0.1:${esPort}` },
    CONFIG,
  ).catch((error: unknown) => {
    es.process.send('stop');
    throw error;
  });
  const pid = vigil.child.pid!;
  const started = Date.now();
  const curve: Array<{ s: number; rssMb: number; delivered: number }> = [];
  const count = async () => {
    es.process.send('count');
    return (await es.next()) as { count: number; duplicates: number; bulks: number; throttled: number };
  };
  try {
    const sender = await child(fork(new URL('./soak-sender.ts', import.meta.url).pathname, [String(vigil.port('tcp')), String(EVENTS)], { execArgv: [] }));
    let delivered = await count();
    const deadline = started + Math.max(10 * 60_000, EVENTS * 2);
    while (delivered.count < EVENTS && Date.now() < deadline && vigil.child.exitCode === null) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      delivered = await count();
      curve.push({ s: Math.round((Date.now() - started) / 1000), rssMb: Math.round(residentMemory(pid).nowMb), delivered: delivered.count });
    }
    const seconds = (Date.now() - started) / 1000;
    const alive = vigil.child.exitCode === null && vigil.child.signalCode === null;
    // A sender whose receiver died never reports.
    const sent = alive ? ((await sender.next()) as { seconds: number }) : { seconds: NaN };
    const { peakMb } = alive ? residentMemory(pid) : { peakMb: NaN };
    const third = Math.floor(curve.length / 3);
    const peakOf = (part: typeof curve) => Math.max(...part.map((p) => p.rssMb));
    const middle = peakOf(curve.slice(third, 2 * third));
    const last = peakOf(curve.slice(2 * third));
    const flat = curve.length >= 3 && last <= middle * (1 + FLAT_TOLERANCE);
    const exactlyOnce = delivered.count === EVENTS && delivered.duplicates === 0;
    const meets = alive && exactlyOnce && flat;
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    return {
      lines: [
        `delivered ${fmt(delivered.count)}/${fmt(EVENTS)} events (${delivered.duplicates} duplicate _ids) in ${seconds.toFixed(1)} s; sender done in ${sent.seconds.toFixed(1)} s`,
        `bulks:        ${fmt(delivered.bulks)}, ${fmt(delivered.throttled)} answered 429 (${((delivered.throttled / Math.max(1, delivered.bulks)) * 100).toFixed(1)} %)`,
        `vigil:        ${alive ? 'alive' : `DEAD (exit ${vigil.child.exitCode ?? vigil.child.signalCode})`}; peak RSS ${peakMb.toFixed(0)} MB`,
        `RSS curve:    ${curve.map((p) => `${p.s}s:${p.rssMb}`).join(' ')} (MB, every ${SAMPLE_MS / 1000} s)`,
        `flat:         ${flat ? 'yes' : 'NO'}: last third peaks at ${last} MB, middle third at ${middle} MB (tolerance ${FLAT_TOLERANCE * 100} %)`,
      ],
      figures: {
        events: EVENTS, delivered: delivered.count, duplicates: delivered.duplicates, seconds, bulks: delivered.bulks, throttled: delivered.throttled,
        peak_rss_mb: Math.round(peakMb), middle_third_peak_mb: middle, last_third_peak_mb: last, rss_flat: flat, alive,
        rss_curve: curve.map((p) => `${p.s}:${p.rssMb}`).join(' '), meets_target: meets,
      },
    };
  } finally {
    es.process.send('stop');
    await vigil.stop();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
}
