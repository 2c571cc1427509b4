import { cpuSecondsByThread } from '../support/vigil.ts';
import { delivered, groupCpuSeconds, groupPeakMb, median, send, startContender, startDouble, type ContenderName } from './contenders.ts';
import type { BenchResult } from './run.ts';

const EVENTS = Number(process.env.VIGIL_BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.VIGIL_BENCH_RUNS ?? 3);
/** Sent and delivered before the clock starts (JIT warm-up, index template install), not timed. */
const WARMUP = Number(process.env.VIGIL_BENCH_WARMUP ?? 10_000);
const CONTENDERS = (process.env.VIGIL_BENCH_CONTENDERS ?? 'vigil,syslog-ng').split(',') as ContenderName[];
const TARGET_RATIO = 1.4;
const TARGET_CPU_US = 25;
const TARGET_RSS_MB = 250;

interface RunFigures {
  eventsPerS: number;
  cpuUsPerEvent: number;
  peakMb: number;
  delivered: number;
  duplicates: number;
  /** _bulk body bytes per document, action line included: how much each contender writes and ships. */
  bulkBytesPerDoc: number;
  /** CPU-µs per event by thread name (see cpuSecondsByThread), largest first. */
  threads: Array<[string, number]>;
}

/**
 * The peer job side by side: vigil (as `npm start` runs it, embedded Redis with AOF everysec) and
 * syslog-ng 3.38 with disk-buffer(reliable(yes)), interleaved (vigil, syslog-ng, vigil, ...),
 * VIGIL_BENCH_RUNS runs each of VIGIL_BENCH_EVENTS lines over one TCP connection. Per contender:
 * events/s from the first byte sent to the last document counted, CPU-µs per event over its
 * processes (vigil's threads and its redis-server; syslog-ng's threads) in that window, and peak
 * RSS (VmHWM) summed over them, and the _bulk bytes it shipped per document (the double counts
 * them: what each contender serialises and sends differs); each run also prints its CPU by thread.
 * The generator and the counting double run in their own processes
 * on the same cores.
 */
export async function run(): Promise<BenchResult> {
  const runs = new Map<ContenderName, RunFigures[]>(CONTENDERS.map((c) => [c, []]));
  const lines: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const name of CONTENDERS) {
      const figures = await runOnce(name);
      runs.get(name)!.push(figures);
      lines.push(`run ${i + 1} ${name.padEnd(9)} ${Math.round(figures.eventsPerS).toLocaleString('en-US').padStart(7)} events/s  ${figures.cpuUsPerEvent.toFixed(1).padStart(5)} CPU-µs/event  ${figures.peakMb.toFixed(0).padStart(4)} MB  ${figures.bulkBytesPerDoc.toFixed(0).padStart(5)} bulk bytes/doc  (${figures.delivered}/${EVENTS} delivered, ${figures.duplicates} duplicates)`,
        `      CPU-µs/event by thread: ${figures.threads.filter(([, us]) => us >= 0.1).map(([name, us]) => `${name} ${us.toFixed(1)}`).join(', ')}`);
    }
  }
  const summary = new Map([...runs].map(([name, all]) => [name, {
    eventsPerS: median(all.map((f) => f.eventsPerS)),
    min: Math.min(...all.map((f) => f.eventsPerS)),
    max: Math.max(...all.map((f) => f.eventsPerS)),
    cpuUsPerEvent: median(all.map((f) => f.cpuUsPerEvent)),
    peakMb: median(all.map((f) => f.peakMb)),
    bulkBytesPerDoc: median(all.map((f) => f.bulkBytesPerDoc)),
    complete: all.every((f) => f.delivered === EVENTS && f.duplicates === 0),
  }]));
  const vigil = summary.get('vigil');
  const peer = summary.get('syslog-ng');
  const ratio = vigil && peer ? vigil.eventsPerS / peer.eventsPerS : undefined;
  lines.push('', `${EVENTS.toLocaleString('en-US')} events per run, medians of ${RUNS} interleaved runs:`, '',
    '| contender | events/s (min–max) | CPU-µs/event | peak RSS | bulk bytes/doc |', '|---|---|---|---|---|');
  for (const [name, s] of summary) {
    const label = name === 'vigil' ? 'vigil (embedded Redis, AOF everysec)' : 'syslog-ng 3.38, `disk-buffer(reliable(yes))`';
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    lines.push(`| ${label} | ${fmt(s.eventsPerS)} (${fmt(s.min)}–${fmt(s.max)}) | ${s.cpuUsPerEvent.toFixed(1)} | ${s.peakMb.toFixed(0)} MB | ${fmt(s.bulkBytesPerDoc)} |${s.complete ? '' : ' INCOMPLETE'}`);
  }
  if (ratio !== undefined) lines.push('', `vigil / syslog-ng: ${ratio.toFixed(2)}× events/s (target ≥ ${TARGET_RATIO}), ${(vigil!.cpuUsPerEvent / peer!.cpuUsPerEvent).toFixed(2)}× CPU per event`);
  if (vigil) lines.push(`vigil targets: CPU ${vigil.cpuUsPerEvent.toFixed(1)} µs/event (≤ ${TARGET_CPU_US}), peak RSS ${vigil.peakMb.toFixed(0)} MB (≤ ${TARGET_RSS_MB})`);
  const figures: Record<string, number | string | boolean> = { events: EVENTS, runs: RUNS };
  for (const [name, s] of summary) {
    const key = name.replace('-', '_');
    figures[`${key}_events_per_s`] = Math.round(s.eventsPerS);
    figures[`${key}_cpu_us_per_event`] = Number(s.cpuUsPerEvent.toFixed(1));
    figures[`${key}_peak_rss_mb`] = Math.round(s.peakMb);
    figures[`${key}_bulk_bytes_per_doc`] = Math.round(s.bulkBytesPerDoc);
    figures[`${key}_complete`] = s.complete;
  }
  if (ratio !== undefined) figures.ratio = Number(ratio.toFixed(2));
  return { lines, figures };
}

async function runOnce(name: ContenderName): Promise<RunFigures> {
  const double = await startDouble();
  const contender = await startContender(name, double.port);
  try {
    if (WARMUP > 0) {
      await send(contender.port, WARMUP, 0);
      await delivered(double, WARMUP);
    }
    const cpuBefore = groupCpuSeconds(contender.pids);
    const threadsBefore = cpuSecondsByThread(contender.pids);
    const { bulkBytes: bytesBefore } = await double.count();
    const { firstByteAt } = await send(contender.port, EVENTS, WARMUP);
    const end = await delivered(double, WARMUP + EVENTS);
    const cpu = groupCpuSeconds(contender.pids) - cpuBefore;
    const threads = [...cpuSecondsByThread(contender.pids)]
      .map(([name, seconds]): [string, number] => [name, ((seconds - (threadsBefore.get(name) ?? 0)) * 1e6) / (end.count - WARMUP)])
      .sort((a, b) => b[1] - a[1]);
    const count = end.count - WARMUP;
    const seconds = (end.lastAt - firstByteAt) / 1000;
    return {
      eventsPerS: count / seconds, cpuUsPerEvent: (cpu * 1e6) / count, peakMb: groupPeakMb(contender.pids), delivered: count, duplicates: end.duplicates,
      bulkBytesPerDoc: (end.bulkBytes - bytesBefore) / count, threads,
    };
  } finally {
    await contender.stop();
    double.stop();
  }
}
