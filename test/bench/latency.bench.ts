import { delivered, send, startContender, startDouble, type ContenderName } from './contenders.ts';
import { results } from './results.ts';
import type { BenchResult } from './run.ts';

const SECONDS = Number(process.env.VIGIL_BENCH_LATENCY_SECONDS ?? 20);
const CONTENDERS = (process.env.VIGIL_BENCH_CONTENDERS ?? 'vigil,syslog-ng').split(',') as ContenderName[];
const FRACTIONS = [0.25, 0.5, 0.9];
const TARGET_P99_MS = 1000;

/**
 * Latency on the peer job: lines sent at 25 %, 50 % and 90 % of the contender's maximum rate for
 * VIGIL_BENCH_LATENCY_SECONDS each; a document's latency runs from when its line was written to
 * the socket (the time travels in its id, see peer-sender.ts) to when the double answers the bulk
 * holding it. The maximum rate is the peers scenario's median when it ran earlier in this
 * invocation (`npm run bench -- peers latency`), else VIGIL_BENCH_MAX_RATE_VIGIL /
 * VIGIL_BENCH_MAX_RATE_SYSLOG_NG, else 30,000 events/s.
 */
export async function run(): Promise<BenchResult> {
  const lines: string[] = [];
  const figures: Record<string, number | string | boolean> = {};
  for (const name of CONTENDERS) {
    const key = name.replace('-', '_');
    const max = Number(results.get('peers')?.[`${key}_events_per_s`] ?? process.env[`VIGIL_BENCH_MAX_RATE_${key.toUpperCase()}`] ?? 30_000);
    const double = await startDouble(true);
    const contender = await startContender(name, double.port);
    try {
      let first = 0;
      const warmup = 10_000;
      await send(contender.port, warmup, first);
      first += warmup;
      await delivered(double, first);
      await double.latency();
      for (const fraction of FRACTIONS) {
        const rate = Math.round(max * fraction);
        const count = rate * SECONDS;
        await send(contender.port, count, first, rate);
        first += count;
        await delivered(double, first);
        const l = await double.latency();
        lines.push(`${name.padEnd(9)} at ${String(fraction * 100).padStart(2)} % of ${Math.round(max).toLocaleString('en-US')}/s (${rate.toLocaleString('en-US')}/s): p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms over ${l.n} events`);
        figures[`${key}_p50_ms_at_${fraction * 100}`] = l.p50;
        figures[`${key}_p99_ms_at_${fraction * 100}`] = l.p99;
        if (name === 'vigil' && fraction === 0.5) figures.meets_target = l.p99 <= TARGET_P99_MS;
      }
    } finally {
      await contender.stop();
      double.stop();
    }
  }
  return { lines, figures };
}
