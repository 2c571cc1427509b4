import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Real third-party programs (Alertmanager, Prometheus, rsyslog, syslog-ng, docker-compose,
 * kubectl) run by the tests: .ci/run installs each from Debian when it is missing. In CI
 * (CI=true) a missing program fails its test; elsewhere the test is skipped with the package to
 * install, so a developer without them can still run the rest.
 */

export const IN_CI = process.env.CI === 'true';

/** The program's path when `command` runs here (on PATH, or an absolute path that exists). */
export function programPath(command: string): string | undefined {
  if (command.startsWith('/')) return existsSync(command) ? command : undefined;
  const found = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', command], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * The `skip` option of a test that needs `command`: false when it is installed, and in CI (where
 * the test then fails in requireProgram); otherwise why it is skipped and what to install.
 */
export function skipUnlessInstalled(command: string, install: string): false | string {
  if (IN_CI || programPath(command)) return false;
  return `${command} is not installed (${install}; .ci/run installs it)`;
}

/** Throws, naming the package, when `command` is missing: the first line of a test that needs it. */
export function requireProgram(command: string, install: string): string {
  const path = programPath(command);
  if (!path) throw new Error(`${command} is not installed: ${install} (.ci/run installs it)`);
  return path;
}

export interface RunningProgram {
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a foreground daemon; its output is kept for failure messages. */
export function startProgram(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningProgram {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  child.once('error', (error) => (output += `\n${command}: ${error.message}`));
  return {
    child,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; fails when `program` exits first or after timeoutMs. */
export async function waitForPort(port: number, program: RunningProgram, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (program.child.exitCode !== null || program.child.signalCode !== null) {
      throw new Error(`${program.child.spawnfile} exited (${program.child.exitCode ?? program.child.signalCode}) before listening on ${port}:\n${program.output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms:\n${program.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every event in an NDJSON file sink's output so far (none when the file does not exist yet). */
export function readNdjson(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
}
