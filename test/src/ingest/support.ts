import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawEvent } from '../../../src/pipeline/raw-event.ts';
import type { Submit } from '../../../src/ingest/submit.ts';
import type { Metrics } from '../../../src/observability/metrics.ts';

/** A submit that keeps what it is given in memory, and can be made to reject or to wait. */
export interface FakeSubmit {
  submit: Submit;
  /** Events accepted, in order. */
  events: RawEvent[];
  /** Every call, accepted or not. */
  calls: RawEvent[][];
  /** Reject the next n calls. */
  failNext(n: number): void;
  /** Make the next call wait until the returned function is called (with an error to reject). */
  holdNext(): (error?: Error) => void;
  waitForEvents(count: number): Promise<RawEvent[]>;
  waitForCalls(count: number): Promise<RawEvent[][]>;
}

export function createFakeSubmit(): FakeSubmit {
  const events: RawEvent[] = [];
  const calls: RawEvent[][] = [];
  let failures = 0;
  let gate: Promise<void> | undefined;
  const fake: FakeSubmit = {
    events,
    calls,
    async submit(batch) {
      calls.push(batch);
      const waitFor = gate;
      gate = undefined;
      if (waitFor) await waitFor;
      if (failures > 0) {
        failures--;
        throw new Error('Redis unavailable (fake)');
      }
      events.push(...batch);
    },
    failNext(n) {
      failures += n;
    },
    holdNext() {
      let release!: (error?: Error) => void;
      gate = new Promise<void>((resolve, reject) => {
        release = (error) => (error ? reject(error) : resolve());
      });
      return release;
    },
    waitForEvents: (count) => waitUntil(() => events.length >= count, `${count} events (have ${events.length})`).then(() => events),
    waitForCalls: (count) => waitUntil(() => calls.length >= count, `${count} submit calls`).then(() => calls),
  };
  return fake;
}

/**
 * Polls a condition; gives up after a generous bound so a broken listener fails the test instead
 * of hanging it. Nothing asserts how long it took.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, boundMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + boundMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`Gave up waiting for ${what}`);
    await sleep(5);
  }
}

const execFileAsync = promisify(execFile);

/** Sends with util-linux `logger`, the way an operator would test a syslog receiver. */
export async function runLogger(args: string[], stdin?: string): Promise<void> {
  if (stdin === undefined) {
    await execFileAsync('logger', args);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const child = execFile('logger', args, (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(stdin);
  });
}

/** The value of one labelled counter or gauge. */
export async function metricValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return found?.value ?? 0;
}
