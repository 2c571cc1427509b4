import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/redis-server.ts';
import { cpuSeconds, residentMemory, spawnVigil } from '../support/vigil.ts';
import { execFileSync } from 'node:child_process';
import { waitForPort } from '../support/real-program.ts';
import { fetchSyslogNg, startSyslogNg, SYSLOG_NG_LIBRARIES, SYSLOG_NG_SCL, syslogNgUnavailable } from '../support/syslog-ng.ts';
import { child } from './child.ts';

/**
 * The peer job (NeuVector kv lines over one TCP connection → parse → Elasticsearch _bulk, durable
 * before the read window moves on) run against one contender: vigil as `npm start` runs it, with
 * its embedded Redis (AOF everysec), or syslog-ng 3.38 with a reliable disk-buffer. Each run has
 * its own counting Elasticsearch double (es-blackhole.ts) in another process.
 */
export type ContenderName = 'vigil' | 'syslog-ng';

export interface Contender {
  name: ContenderName;
  port: number;
  /** The processes whose CPU and memory count: vigil and its redis-server, or syslog-ng. */
  pids: number[];
  stop(): Promise<void>;
}

export interface Double {
  port: number;
  count(): Promise<{ count: number; duplicates: number; lastAt: number; bulkBytes: number }>;
  latency(): Promise<{ p50: number; p99: number; max: number; n: number }>;
  stop(): void;
}

/** Polls the double until it counted `count` documents (or 10 minutes passed); returns its last count. */
export async function deliveredAtLeast(double: Pick<Double, 'count'>, count: number): Promise<{ count: number; duplicates: number }> {
  let delivered = { count: 0, duplicates: 0 };
  const deadline = Date.now() + 10 * 60_000;
  while (delivered.count < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    delivered = await double.count();
  }
  return delivered;
}

export async function startDouble(latency = false): Promise<Double> {
  const es = await child(fork(new URL('./es-blackhole.ts', import.meta.url).pathname, latency ? ['latency'] : [], { execArgv: [] }));
  const { port } = (await es.next()) as { port: number };
  return {
    port,
    count: async () => {
      es.process.send('count');
      return (await es.next()) as { count: number; duplicates: number; lastAt: number; bulkBytes: number };
    },
    latency: async () => {
      es.process.send('latency');
      return (await es.next()) as { p50: number; p99: number; max: number; n: number };
    },
    stop: () => es.process.send('stop'),
  };
}

export async function startContender(name: ContenderName, esPort: number): Promise<Contender> {
  if (name === 'vigil') {
    const vigil = await spawnVigil(
      { VIGIL_LOG_LEVEL: 'info', VIGIL_SYSLOG_UDP_PORT: 'off', VIGIL_HTTP_PORT: 'off', VIGIL_ES_URL: `http://127.0.0.1:${esPort}`, ...nodeOptions() },
      process.env.VIGIL_BENCH_CONFIG ?? '{}',
    );
    const redisPid = Number(readFileSync(join(vigil.dataDir, 'redis', 'redis.pid'), 'utf8').trim());
    return {
      name,
      port: vigil.port('tcp'),
      pids: [vigil.child.pid!, redisPid],
      async stop() {
        await vigil.stop();
        rmSync(vigil.dataDir, { recursive: true, force: true });
      },
    };
  }
  ensureSyslogNg();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'syslog-ng-bench-'));
  const values: Record<string, string | number> = { PORT: port, ESPORT: esPort, WORK: dir, SCL: SYSLOG_NG_SCL };
  const config = readFileSync(new URL('./syslog-ng-disk.conf', import.meta.url), 'utf8').replace(/@([A-Z]+)@/g, (_, name: string) => String(values[name]));
  const syslogNg = startSyslogNg(config, dir);
  try {
    await waitForPort(port, syslogNg);
  } catch (error) {
    await syslogNg.destroy();
    throw error;
  }
  return { name, port, pids: [syslogNg.child.pid!], stop: () => syslogNg.destroy() };
}

/** Debian's syslog-ng .debs unpacked under .tmp/syslog-ng, and the libraries they link installed from apt when missing. */
function ensureSyslogNg(): void {
  fetchSyslogNg();
  if (syslogNgUnavailable() === undefined) return;
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...SYSLOG_NG_LIBRARIES], { stdio: ['ignore', 'ignore', 'inherit'] });
  const why = syslogNgUnavailable();
  if (why) throw new Error(why);
}

/** VIGIL_BENCH_NODE_OPTIONS goes to vigil's NODE_OPTIONS (`--cpu-prof --cpu-prof-dir=DIR` profiles it). */
function nodeOptions(): Record<string, string> {
  return process.env.VIGIL_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.VIGIL_BENCH_NODE_OPTIONS } : {};
}

/** Sends `count` peer-job lines (peer-sender.ts) from sequence number `first`; resolves when all are written. */
export async function send(port: number, count: number, first: number, rate = 0): Promise<{ firstByteAt: number; seconds: number }> {
  const sender = await child(fork(new URL('./peer-sender.ts', import.meta.url).pathname, [String(port), String(count), String(rate), String(first)], { execArgv: [] }));
  return (await sender.next()) as { firstByteAt: number; seconds: number };
}

/** Waits until the double has `expected` documents, or none arrived for `quietMs` (some were lost). */
export async function delivered(double: Double, expected: number, quietMs = 60_000): Promise<{ count: number; duplicates: number; lastAt: number; bulkBytes: number }> {
  let last = await double.count();
  let progressAt = Date.now();
  while (last.count < expected && Date.now() - progressAt < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await double.count();
    if (now.count > last.count) progressAt = Date.now();
    last = now;
  }
  return last;
}

/** CPU seconds (user + system, all threads) of a group of processes, from /proc. */
export const groupCpuSeconds = (pids: number[]): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
/** Peak resident memory (VmHWM) summed over a group of processes, MB. */
export const groupPeakMb = (pids: number[]): number => pids.reduce((sum, pid) => sum + residentMemory(pid).peakMb, 0);


export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
