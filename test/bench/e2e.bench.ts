import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import { startVigil } from '../../src/main.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { Metrics } from '../../src/observability/metrics.ts';
import type { BenchResult } from './run.ts';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 300_000);
const CONNECTIONS = 4;
/** Offered load in events/s; 0 sends as fast as vigil reads (a flood). */
const RATE = Number(process.env.VIGIL_BENCH_RATE ?? 0);
const TARGET_EVENTS_PER_S = 20_000;
const TARGET_RSS_MB = 300;

/**
 * End to end in one vigil process: NeuVector kv lines over TCP → batches in an embedded Redis
 * with AOF on → process stage → Elasticsearch sink → an Elasticsearch double in another process.
 * The rate is events delivered per second from the first byte sent to the last document indexed.
 */
export async function run(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const es = await child(fork(new URL('./es-blackhole.ts', import.meta.url).pathname));
  const esPort = ((await es.next()) as { port: number }).port;
  const config = parseConfig({
    data_dir: dataDir,
    log_level: 'silent',
    listen: { host: '127.0.0.1', http_port: 'off', syslog_udp_port: 'off', syslog_tcp_port: 0 },
    sinks: { elasticsearch: { url: `http://127.0.0.1:${esPort}`, ...JSON.parse(process.env.VIGIL_BENCH_ES ?? '{}') } },
    ...JSON.parse(process.env.VIGIL_BENCH_CONFIG ?? '{}'),
  });
  const vigil = await startVigil(config, silentLogger, new Metrics());
  const idleRss = process.memoryUsage().rss;
  let maxRss = idleRss;
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > maxRss) [maxRss, atPeak] = [m.rss, m];
  }, 100);
  try {
    const started = Date.now();
    const sender = await child(fork(new URL('./tcp-sender.ts', import.meta.url).pathname, [String(vigil.addresses.tcp!.port), String(EVENTS), String(CONNECTIONS), String(RATE)]));
    const sent = (await sender.next()) as { seconds: number };
    let delivered = { count: 0, duplicates: 0 };
    const deadline = Date.now() + 10 * 60_000;
    while (delivered.count < EVENTS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      es.process.send('count');
      delivered = (await es.next()) as typeof delivered;
      if (process.env.VIGIL_BENCH_DEBUG) console.error(delivered);
    }
    const seconds = (Date.now() - started) / 1000;
    const rate = delivered.count / seconds;
    const rssMb = maxRss / 2 ** 20;
    const meets = delivered.count === EVENTS && rate >= TARGET_EVENTS_PER_S && rssMb < TARGET_RSS_MB;
    return {
      lines: [
        `delivered ${delivered.count}/${EVENTS} events (${delivered.duplicates} duplicate _ids) in ${seconds.toFixed(2)} s`,
        `end to end:   ${Math.round(rate).toLocaleString('en-US')} events/s (target ${TARGET_EVENTS_PER_S.toLocaleString('en-US')}) ${rate >= TARGET_EVENTS_PER_S ? 'OK' : 'BELOW TARGET'}`,
        `sender done:  ${sent.seconds.toFixed(2)} s (${Math.round(EVENTS / sent.seconds).toLocaleString('en-US')} events/s offered over ${CONNECTIONS} connections)`,
        `peak RSS:     ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB}) ${rssMb < TARGET_RSS_MB ? 'OK' : 'ABOVE TARGET'} (${mb(idleRss)} MB idle); at peak: heap ${mb(atPeak.heapUsed)}/${mb(atPeak.heapTotal)} MB, external ${mb(atPeak.external)} MB, array buffers ${mb(atPeak.arrayBuffers)} MB`,
      ],
      figures: { events: EVENTS, delivered: delivered.count, duplicates: delivered.duplicates, seconds, events_per_s: Math.round(rate), peak_rss_mb: Math.round(rssMb), meets_target: meets },
    };
  } finally {
    clearInterval(sampler);
    es.process.send('stop');
    await vigil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** A forked helper process whose messages are read in order. */
async function child(process: ChildProcess): Promise<{ process: ChildProcess; next(): Promise<unknown> }> {
  const inbox: unknown[] = [];
  const waiting: Array<(m: unknown) => void> = [];
  process.on('message', (m) => (waiting.length ? waiting.shift()!(m) : inbox.push(m)));
  return { process, next: () => new Promise((resolve) => (inbox.length ? resolve(inbox.shift()) : waiting.push(resolve))) };
}
