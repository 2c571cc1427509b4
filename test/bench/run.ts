import { cpus, totalmem } from 'node:os';
import { results } from './results.ts';

/**
 * `npm run bench [-- scenario ...]`: runs benchmark scenarios (test/bench/<name>.bench.ts) and
 * prints the figures with the machine they ran on. Not part of `npm test`: timings vary by machine.
 */
export interface BenchResult {
  /** Human-readable lines. */
  lines: string[];
  /** The figures, for the JSON summary. */
  figures: Record<string, number | string | boolean>;
}

const SCENARIOS: Record<string, () => Promise<{ run(): Promise<BenchResult> }>> = {
  parse: () => import('./parse.bench.ts'),
  e2e: () => import('./e2e.bench.ts'),
  replay: () => import('./replay.bench.ts'),
  peers: () => import('./peers.bench.ts'),
  latency: () => import('./latency.bench.ts'),
  soak: () => import('./soak.bench.ts'),
  'webhook-limits': () => import('./webhook-limits.bench.ts'),
  udp: () => import('./udp.bench.ts'),
  roles: () => import('./roles.bench.ts'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
/** peers and latency start syslog-ng too and take many minutes: they run only by name. */
const BY_NAME_ONLY = new Set(['peers', 'latency']);
const names = wanted.length ? wanted : Object.keys(SCENARIOS).filter((name) => !BY_NAME_ONLY.has(name));
const unknown = names.filter((n) => !SCENARIOS[n]);
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const cpu = cpus();
console.log(`node ${process.version} | ${cpu[0]?.model ?? 'unknown cpu'} | ${cpu.length} cores | ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
const summary: Record<string, unknown> = { node: process.version, cpu: cpu[0]?.model, cores: cpu.length };
let failed = false;
for (const name of names) {
  console.log(`\n== ${name}`);
  const { run } = await SCENARIOS[name]();
  const result = await run();
  for (const line of result.lines) console.log(`  ${line}`);
  summary[name] = result.figures;
  results.set(name, result.figures);
  if (result.figures.meets_target === false) failed = true;
}
console.log(`\n${JSON.stringify(summary)}`);
process.exitCode = failed ? 1 : 0;
