import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { residentMemory, spawnVigil } from '../support/vigil.ts';
import type { BenchResult } from './run.ts';
import { child } from './child.ts';
import { deliveredAtLeast, startDouble } from './contenders.ts';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 300_000);
const CONNECTIONS = 4;
/** Offered load in events/s; 0 sends as fast as vigil reads (a flood). */
const RATE = Number(process.env.VIGIL_BENCH_RATE ?? 0);
const TARGET_EVENTS_PER_S = 20_000;
const TARGET_RSS_MB = 300;
/** VIGIL_BENCH_TAP=1: a `vigil tap` reader is connected during the timed run (its cost on delivery). */
const TAP = process.env.VIGIL_BENCH_TAP === '1';
/** Sent and delivered before the clock starts, so JIT warm-up and the index template install are not timed. */
const WARMUP_EVENTS = 20_000;

/**
 * End to end through one vigil process, started as `npm start` starts it (same node flags):
 * NeuVector kv lines over TCP → batches in its embedded Redis with AOF on → process stage →
 * Elasticsearch sink → an Elasticsearch double in another process. The rate is events delivered
 * per second from the first byte sent to the last document indexed; memory is vigil's peak RSS.
 */
export async function run(): Promise<BenchResult> {
  const es = await startDouble();
  const esPort = es.port;
  const vigil = await spawnVigil(
    { VIGIL_LOG_LEVEL: 'info', VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_HTTP_PORT: 'off', VIGIL_ES_URL: `http://127.0.0.1:${esPort}` },
    process.env.VIGIL_BENCH_CONFIG ?? '{}',
  );
  const send = async (count: number, seed: number) => {
    const sender = await child(fork(new URL('./tcp-sender.ts', import.meta.url).pathname,
      [String(vigil.port('tcp')), String(count), String(CONNECTIONS), String(RATE), String(seed)], { execArgv: [] }));
    return (await sender.next()) as { seconds: number };
  };
  try {
    const idle = residentMemory(vigil.child.pid!);
    await send(WARMUP_EVENTS, 1);
    await deliveredAtLeast(es, WARMUP_EVENTS);
    const tap = TAP ? await tapReader(vigil.port('admin')) : undefined;
    const started = Date.now();
    const sent = await send(EVENTS, 2);
    const total = await deliveredAtLeast(es, WARMUP_EVENTS + EVENTS);
    const delivered = { count: total.count - WARMUP_EVENTS, duplicates: total.duplicates };
    const seconds = (Date.now() - started) / 1000;
    const rate = delivered.count / seconds;
    const { peakMb } = residentMemory(vigil.child.pid!);
    const tapped = tap?.stop();
    const meets = delivered.count === EVENTS && delivered.duplicates === 0 && rate >= TARGET_EVENTS_PER_S && peakMb < TARGET_RSS_MB;
    return {
      lines: [
        `delivered ${delivered.count}/${EVENTS} events (${delivered.duplicates} duplicate _ids) in ${seconds.toFixed(2)} s`,
        `end to end:   ${Math.round(rate).toLocaleString('en-US')} events/s (target ${TARGET_EVENTS_PER_S.toLocaleString('en-US')}) ${rate >= TARGET_EVENTS_PER_S ? 'OK' : 'BELOW TARGET'}`,
        `offered:      ${RATE ? `${RATE.toLocaleString('en-US')} events/s` : 'as fast as vigil reads'}; sender done in ${sent.seconds.toFixed(2)} s over ${CONNECTIONS} connections`,
        `vigil RSS:    peak ${peakMb.toFixed(0)} MB (target < ${TARGET_RSS_MB}) ${peakMb < TARGET_RSS_MB ? 'OK' : 'ABOVE TARGET'}; ${idle.nowMb.toFixed(0)} MB before the load`,
        ...(tapped ? [`tap:          ${tapped.events} events shown, ${tapped.skipped} counted as skipped while connected`] : []),
        `(after a warm-up of ${WARMUP_EVENTS.toLocaleString('en-US')} events, not timed)`,
      ],
      figures: { events: EVENTS, offered_per_s: RATE, delivered: delivered.count, duplicates: delivered.duplicates, seconds, events_per_s: Math.round(rate), peak_rss_mb: Math.round(peakMb), meets_target: meets, ...(tapped ? { tap_events: tapped.events, tap_skipped: tapped.skipped } : {}) },
    };
  } finally {
    es.stop();
    await vigil.stop();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  }
}

/**
 * Reads GET /tap as `vigil tap` does, counting events and skipped ones; resolves once the stream is
 * open, then waits 2 s so every process stage has seen that someone listens (it checks each second).
 */
async function tapReader(adminPort: number): Promise<{ stop(): { events: number; skipped: number } }> {
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${adminPort}/tap`, { signal: abort.signal });
  const counts = { events: 0, skipped: 0 };
  void (async () => {
    let rest = '';
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as { type: string; count?: number };
        if (message.type === 'event') counts.events++;
        else if (message.type === 'skipped') counts.skipped += message.count!;
      }
    }
  })().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2_000));
  return {
    stop() {
      abort.abort();
      return counts;
    },
  };
}
