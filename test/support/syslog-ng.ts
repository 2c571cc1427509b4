import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IN_CI, startProgram, type RunningProgram } from './real-program.ts';

/**
 * syslog-ng 3.38 from Debian 12's .debs, extracted under .tmp/syslog-ng/ rather than installed:
 * the syslog-ng-core package conflicts with rsyslog, which the tests also use. The libraries it
 * links against come from apt (.ci/run installs them). `node test/support/syslog-ng.ts fetch`
 * downloads and extracts the packages ahead of the tests (CI does); a no-op when they are there.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
export const SYSLOG_NG_ROOT = join(ROOT, '.tmp/syslog-ng');
/** The core, its configuration library (scl: elasticsearch-http and friends) and the http() destination. */
const PACKAGES = ['syslog-ng-core', 'syslog-ng-scl', 'syslog-ng-mod-http'];
/** Shared libraries the .debs need from apt (the extracted tree holds only syslog-ng's own). */
export const SYSLOG_NG_LIBRARIES = ['libivykis0', 'libnet1', 'libwrap0', 'libpcre3', 'libcurl4'];

const BINARY = join(SYSLOG_NG_ROOT, 'usr/sbin/syslog-ng');
export const SYSLOG_NG_MODULES = join(SYSLOG_NG_ROOT, 'usr/lib/syslog-ng/3.38');
/** The configuration library, for `@include "<SCL>/..."` (configs here set no @define scl-root). */
export const SYSLOG_NG_SCL = join(SYSLOG_NG_ROOT, 'usr/share/syslog-ng/include/scl');
const STAMP = join(SYSLOG_NG_ROOT, '.complete');

/** Why syslog-ng cannot run here (not extracted, or a library missing), or undefined when it can. */
export function syslogNgUnavailable(): string | undefined {
  if (!existsSync(STAMP)) return `syslog-ng is not extracted under ${SYSLOG_NG_ROOT} (node test/support/syslog-ng.ts fetch; .ci/run does it)`;
  const version = spawnSync(BINARY, ['--version'], { env: syslogNgEnv(), encoding: 'utf8' });
  if (version.status !== 0) return `syslog-ng does not start: ${(version.stderr || version.error?.message || '').trim()} (apt-get install ${SYSLOG_NG_LIBRARIES.join(' ')})`;
  return undefined;
}

/** The `skip` option of a test that needs syslog-ng: false when it runs, and in CI (where startSyslogNg then fails). */
export function skipUnlessSyslogNg(): false | string {
  return IN_CI ? false : (syslogNgUnavailable() ?? false);
}

/** Downloads the .debs with apt-get and extracts them with dpkg -x, unless already done. */
export function fetchSyslogNg(): void {
  if (existsSync(STAMP)) return;
  const work = mkdtempSync(join(tmpdir(), 'syslog-ng-debs-'));
  try {
    // A fresh machine may have no package lists yet: update them once and try again.
    if (!tryRun('apt-get', ['download', ...PACKAGES], work)) {
      run('apt-get', ['update', '-qq'], work);
      run('apt-get', ['download', ...PACKAGES], work);
    }
    const extracted = join(work, 'root');
    for (const deb of readdirSync(work).filter((file) => file.endsWith('.deb'))) run('dpkg', ['-x', deb, extracted], work);
    rmSync(SYSLOG_NG_ROOT, { recursive: true, force: true });
    mkdirSync(join(SYSLOG_NG_ROOT, '..'), { recursive: true });
    renameSync(extracted, SYSLOG_NG_ROOT);
    writeFileSync(STAMP, `${PACKAGES.join(' ')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function tryRun(command: string, args: string[], cwd: string): boolean {
  return spawnSync(command, args, { cwd, stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
}

/** libsyslog-ng itself lives in the extracted tree, not on the loader's path. */
function syslogNgEnv(): NodeJS.ProcessEnv {
  const libs = join(SYSLOG_NG_ROOT, 'usr/lib/syslog-ng');
  return { ...process.env, LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
}

export interface RunningSyslogNg extends RunningProgram {
  /** Its own directory: configuration, pid, control socket, persist file and any disk buffer. */
  dir: string;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * Runs syslog-ng in the foreground on `config` (a whole configuration, `@version: 3.38` first)
 * with its pid, control socket and persist file in a directory of its own. The caller waits for
 * it to be ready (for a port it listens on: waitForPort).
 */
export function startSyslogNg(config: string, dir = mkdtempSync(join(tmpdir(), 'vigil-syslog-ng-'))): RunningSyslogNg {
  const why = syslogNgUnavailable();
  if (why) throw new Error(why);
  const file = join(dir, 'syslog-ng.conf');
  writeFileSync(file, config);
  const program = startProgram(BINARY, [
    '-F', '--stderr', '-f', file, `--module-path=${SYSLOG_NG_MODULES}`,
    '-p', join(dir, 'syslog-ng.pid'), '-c', join(dir, 'syslog-ng.ctl'), '-R', join(dir, 'syslog-ng.persist'),
  ], { cwd: dir, env: syslogNgEnv() });
  return {
    ...program,
    dir,
    async destroy() {
      await program.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'fetch') {
  fetchSyslogNg();
  const why = syslogNgUnavailable();
  if (why) {
    console.error(`syslog-ng: ${why}`);
    process.exit(1);
  }
  console.log(`syslog-ng: ready in ${SYSLOG_NG_ROOT}`);
}
