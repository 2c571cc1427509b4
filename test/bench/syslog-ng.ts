import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * syslog-ng 3.38 for benchmarks, from Debian's own packages: `apt-get download` fetches the
 * .debs and `dpkg -x` unpacks them into a git-ignored folder. No daemon is installed, so nothing
 * conflicts with rsyslog (syslog-ng-core conflicts with it as a package), and the version is the
 * one Debian 12 ships. Only the shared libraries it links come from apt as packages.
 */
export const SYSLOG_NG_ROOT = new URL('../../.tmp/syslog-ng/', import.meta.url).pathname;
const PACKAGES = ['syslog-ng-core', 'syslog-ng-mod-http', 'syslog-ng-scl'];
const LIBRARIES = ['libivykis0', 'libnet1', 'libwrap0', 'libpcre3', 'libcurl4'];
const VERSION_DIR = '3.38';

const binary = (root: string) => join(root, 'usr/sbin/syslog-ng');

/** Downloads and unpacks syslog-ng into `root` unless it is there; installs missing libraries. */
export function ensureSyslogNg(root = SYSLOG_NG_ROOT): string {
  const missing = LIBRARIES.filter((lib) => !installed(lib));
  if (missing.length) apt(['install', '-y', '--no-install-recommends', ...missing]);
  if (existsSync(binary(root))) return root;
  const debs = join(root, 'debs');
  mkdirSync(debs, { recursive: true });
  apt(['download', ...PACKAGES], debs);
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg', ['-x', join(debs, deb), root]);
  if (!existsSync(binary(root))) throw new Error(`syslog-ng was not found in ${root} after unpacking ${PACKAGES.join(', ')}`);
  return root;
}

function installed(pkg: string): boolean {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('ok installed');
  } catch {
    return false;
  }
}

/** apt-get, with one `apt-get update` first when the package lists are stale or absent. */
function apt(args: string[], cwd?: string): void {
  try {
    execFileSync('apt-get', ['-q', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    execFileSync('apt-get', ['-q', 'update'], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('apt-get', ['-q', ...args], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

export interface RunningSyslogNg {
  child: ChildProcess;
  pid: number;
  /** Its work directory: configuration, pid, control and persist files (and whatever the configuration puts there). */
  workDir: string;
  /** SIGTERM, then SIGKILL after 10 s; removes the work directory. */
  stop(): Promise<void>;
}

/**
 * Runs syslog-ng in the foreground on `config`, a syslog-ng configuration whose `@NAME@`
 * placeholders are filled from `values`; `@SCL@` (the configuration library) and `@WORK@` (the
 * work directory) are filled here. Resolves once `ready()` says so (say, its port accepts), or
 * once its control socket exists when no `ready` is given.
 */
export async function startSyslogNg(options: {
  config: string;
  values?: Record<string, string | number>;
  workDir: string;
  ready?: () => Promise<boolean>;
  root?: string;
}): Promise<RunningSyslogNg> {
  const root = ensureSyslogNg(options.root);
  const { workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const values: Record<string, string | number> = { SCL: join(root, 'usr/share/syslog-ng/include/scl'), WORK: workDir, ...options.values };
  const config = options.config.replace(/@([A-Z]+)@/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
  const unfilled = /@[A-Z]+@/.exec(config);
  if (unfilled) throw new Error(`syslog-ng configuration placeholder ${unfilled[0]} has no value`);
  const confFile = join(workDir, 'syslog-ng.conf');
  writeFileSync(confFile, config);
  const ctl = join(workDir, 'syslog-ng.ctl');
  const child = spawn(binary(root), [
    '-F', '-f', confFile,
    `--module-path=${join(root, 'usr/lib/syslog-ng', VERSION_DIR)}`,
    '-p', join(workDir, 'syslog-ng.pid'), '-c', ctl, '-R', join(workDir, 'syslog-ng.persist'),
  ], {
    env: { ...process.env, LD_LIBRARY_PATH: [join(root, 'usr/lib/syslog-ng'), join(root, 'usr/lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = options.ready ?? (async () => existsSync(ctl));
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`syslog-ng exited at start:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`syslog-ng did not become ready within 30 s:\n${stderr}`);
    }
    await sleep(50);
  }
  return {
    child,
    pid: child.pid!,
    workDir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
