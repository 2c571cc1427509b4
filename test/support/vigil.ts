import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface SpawnedVigil {
  child: ChildProcess;
  dataDir: string;
  /** host:port per listener, from the "Vigil started" log line. */
  listening: Record<string, string>;
  /** The bound port of a listener; `admin` serves /healthz, /readyz and /metrics. */
  port(listener: 'http' | 'admin' | 'udp' | 'tcp' | 'tls'): number;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** What vigil wrote to stderr so far (logs go to stdout: anything here is unexpected). */
  stderr(): string;
  /** SIGTERM and wait: resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/**
 * Configuration for Redis fault tests: short job locks so a batch interrupted by the fault is
 * redone within the test (production: 30 s), fast delivery retries, frequent backlog checks.
 */
export const FAST_RECOVERY_CONFIG = `
jobs:
  lock_ms: 2000
  stalled_check_ms: 500
delivery:
  initial_backoff_ms: 50
  max_backoff_ms: 500
  max_attempts: 1000
backpressure:
  check_interval_ms: 200
`;

/**
 * Runs `vigil start` as a real child process (the same entry point as `npm start`), listeners on
 * free ports unless the env says otherwise, and waits until it logs that it started.
 */
export async function spawnVigil(env: Record<string, string> = {}, config?: string): Promise<SpawnedVigil> {
  const dataDir = env.VIGIL_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-data-'));
  let configFile = env.VIGIL_CONFIG;
  if (config !== undefined) {
    configFile = join(dataDir, 'vigil.yaml');
    writeFileSync(configFile, config);
  }
  const child = spawn(process.execPath, [...startNodeFlags(), join(ROOT, startEntry()), 'start'], {
    cwd: ROOT,
    env: {
      ...startEnv(),
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      VIGIL_DATA_DIR: dataDir,
      VIGIL_HOST: '127.0.0.1',
      VIGIL_HTTP_PORT: '0',
      VIGIL_ADMIN_PORT: '0',
      VIGIL_SYSLOG_UDP_PORT: '0',
      VIGIL_SYSLOG_TCP_PORT: '0',
      VIGIL_LOG_LEVEL: 'info',
      ...(configFile ? { VIGIL_CONFIG: configFile } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<Record<string, string>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'Vigil started') resolve(entry.listening as Record<string, string>);
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => reject(new Error(`vigil exited with ${code} before it started:\n${stderr}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const listening = await started.finally(() => clearTimeout(timeout));
  return {
    child,
    dataDir,
    listening,
    logs,
    stderr: () => stderr,
    port: (listener) => Number(listening[listener]?.split(':').pop()),
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The node flags of `npm start` (package.json), so tests and benchmarks run vigil exactly as users do. */
export function startNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** The environment assignments before `node` in the start script (allocator settings). */
export function startEnv(): Record<string, string> {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = scripts.start.split(/\s+/);
  return Object.fromEntries(words.slice(0, words.indexOf('node')).map((word) => word.split('=') as [string, string]));
}

/** The script `npm start` runs (the build under dist/ when there is one in the start script). */
export function startEntry(): string {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return scripts.start.split(/\s+/).find((word) => word.endsWith('vigil.ts') || word.endsWith('vigil.js'))!;
}

/** Peak and current resident memory of a process, from /proc (Linux). */
export function residentMemory(pid: number): { peakMb: number; nowMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMb: kb('VmHWM') / 1024, nowMb: kb('VmRSS') / 1024 };
}

/**
 * CPU seconds a process has used (user + system), from /proc (Linux): all its threads, or with
 * `thread`, that one thread only (the main thread's id is the process id).
 */
export function cpuSeconds(pid: number, thread?: number): number {
  const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from field 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds by thread name (`/proc/<pid>/task/<tid>/comm`: Node.js names its main thread
 * MainThread, worker threads WorkerThread, V8's platform threads, which run the parallel and
 * concurrent garbage collection, V8Worker, and libuv's pool libuv-worker), summed over `pids`.
 * Threads that ended are not counted.
 */
export function cpuSecondsByThread(pids: number[]): Map<string, number> {
  const byName = new Map<string, number>();
  for (const pid of pids) {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${thread}/comm`, 'utf8').trim();
        byName.set(name, (byName.get(name) ?? 0) + cpuSeconds(pid, Number(thread)));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  }
  return byName;
}

/** USER_HZ: 100 on every Linux architecture Node.js runs on. */
const CLOCK_TICKS = 100;
