import { normalize } from '../../src/normalize/index.ts';
import { toSinkEvent } from '../../src/pipeline/to-sink-event.ts';
import type { RawEvent } from '../../src/pipeline/raw-event.ts';
import type { BenchResult } from './run.ts';
import { neuvectorLines } from './generate.ts';

const TARGET_LINES_PER_S = 150_000;
const LINES = 50_000;
const ROUNDS = 5;

/** NeuVector kv syslog lines (header + body) parsed and normalised on one core, beside JSON.parse of the same events. */
export async function run(): Promise<BenchResult> {
  const raws: RawEvent[] = neuvectorLines(LINES).map((text, i) => ({
    format: 'syslog', text, receivedAt: 1_748_959_628_000 + i, input: 'tcp', listener: 'syslog-tcp', peer: '10.0.0.1:40000',
  }));
  const asJson = raws.map((raw) => JSON.stringify(normalize(raw)[0]));

  const normaliseRate = best(() => {
    for (const raw of raws) normalize(raw);
  });
  const processRate = best(() => {
    for (const raw of raws) for (const e of normalize(raw)) toSinkEvent(e);
  });
  const jsonParseRate = best(() => {
    for (const text of asJson) JSON.parse(text);
  });
  const meets = normaliseRate >= TARGET_LINES_PER_S;
  return {
    lines: [
      `parse + normalise:             ${fmt(normaliseRate)} lines/s (target ${fmt(TARGET_LINES_PER_S)}) ${meets ? 'OK' : 'BELOW TARGET'}`,
      `parse + normalise + serialise: ${fmt(processRate)} lines/s (the whole process stage per event)`,
      `JSON.parse of the same events: ${fmt(jsonParseRate)} events/s (reference; ratio ${(normaliseRate / jsonParseRate).toFixed(2)})`,
      `(${LINES} seeded lines, best of ${ROUNDS} rounds, one core)`,
    ],
    figures: {
      normalise_lines_per_s: Math.round(normaliseRate),
      process_lines_per_s: Math.round(processRate),
      json_parse_events_per_s: Math.round(jsonParseRate),
      ratio_to_json_parse: Number((normaliseRate / jsonParseRate).toFixed(3)),
      meets_target: meets,
    },
  };
}

function best(body: () => void): number {
  body(); // warm-up: let the JIT settle
  let bestRate = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    body();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    bestRate = Math.max(bestRate, LINES / seconds);
  }
  return bestRate;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
