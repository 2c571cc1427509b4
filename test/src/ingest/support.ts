import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawEvent } from '../../../src/normalize/raw-event.ts';
import type { Submit } from '../../../src/pipeline/submit.ts';
import type { Metrics } from '../../../src/metrics/metrics.ts';

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

/** A self-signed RSA server certificate: static-RSA key exchange needs an RSA key. */
export function rsaServerCertificate(dir: string): { cert: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.crt', '-days', '1', '-subj', '/CN=127.0.0.1'], { cwd: dir, stdio: 'pipe' });
  return { cert: readFileSync(join(dir, 'rsa.crt'), 'utf8'), key: readFileSync(join(dir, 'rsa.key'), 'utf8') };
}

/** The client's error when the server refuses every suite it offers (OpenSSL 3's name for the alert). */
export const HANDSHAKE_FAILURE = 'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE';

/** The suite a TLS handshake settles on, or the client's error code when there is none. */
export async function negotiate(port: number, client: tls.ConnectionOptions): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...client });
  return new Promise((resolve) => {
    socket.on('secureConnect', () => {
      resolve(socket.getCipher().name);
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
