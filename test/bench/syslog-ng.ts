import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/vigil.ts';

/**
 * syslog-ng 3.38 as the benchmarks' peer: Debian 12's packages syslog-ng-core, syslog-ng-mod-http
 * and syslog-ng-scl, fetched with `apt-get download` and unpacked with `dpkg -x` into a git-ignored
 * folder (no daemon installed, no conflict with rsyslog). Their shared libraries (libivykis0,
 * libnet1, libwrap0, libpcre3, libcurl4) come from apt: `apt-get install` them when missing.
 */
const PACKAGES = ['syslog-ng-core', 'syslog-ng-mod-http', 'syslog-ng-scl'];
export const SYSLOG_NG_ROOT = join(ROOT, '.tmp', 'syslog-ng');
const BINARY = join(SYSLOG_NG_ROOT, 'usr', 'sbin', 'syslog-ng');

/** Downloads and unpacks syslog-ng when it is not there yet; returns the folder it is unpacked in. */
export function ensureSyslogNg(): string {
  if (existsSync(BINARY)) return SYSLOG_NG_ROOT;
  const debs = join(SYSLOG_NG_ROOT, 'debs');
  mkdirSync(debs, { recursive: true });
  execFileSync('apt-get', ['download', ...PACKAGES], { cwd: debs, stdio: ['ignore', 'ignore', 'inherit'] });
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
    execFileSync('dpkg', ['-x', join(debs, deb), SYSLOG_NG_ROOT]);
  }
  if (!existsSync(BINARY)) throw new Error(`syslog-ng was not unpacked to ${BINARY}`);
  return SYSLOG_NG_ROOT;
}

/** A free port on 127.0.0.1 for the given transport (syslog-ng cannot pick one and tell). */
export async function freePort(transport: 'tcp' | 'udp'): Promise<number> {
  if (transport === 'udp') {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(resolve));
    return port;
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningSyslogNg {
  child: ChildProcess;
  port: number;
  /** Its work folder (disk buffer, persist file); removed by stop(). */
  workDir: string;
  /** SIGTERM, wait for it to exit, remove the work folder. */
  stop(): Promise<void>;
}

/**
 * Starts syslog-ng in the foreground with `confTemplate` (a file whose @PORT@, @ESPORT@, @WORK@
 * and @SCL@ are filled in) listening on a free port of `transport`, sending to the counting server
 * on `esPort`; resolves once it says it started.
 */
export async function startSyslogNg(options: { confTemplate: string; transport: 'tcp' | 'udp'; esPort: number }): Promise<RunningSyslogNg> {
  const root = ensureSyslogNg();
  const port = await freePort(options.transport);
  const workDir = mkdtempSync(join(tmpdir(), 'syslog-ng-bench-'));
  const conf = readFileSync(options.confTemplate, 'utf8')
    .replaceAll('@PORT@', String(port))
    .replaceAll('@ESPORT@', String(options.esPort))
    .replaceAll('@WORK@', workDir)
    .replaceAll('@SCL@', join(root, 'usr', 'share', 'syslog-ng', 'include', 'scl'));
  const confFile = join(workDir, 'syslog-ng.conf');
  writeFileSync(confFile, conf);
  const child = spawn(BINARY, [
    '-F', '-e', '-f', confFile, `--module-path=${join(root, 'usr', 'lib', 'syslog-ng', '3.38')}`,
    '-p', join(workDir, 'syslog-ng.pid'), '-c', join(workDir, 'syslog-ng.ctl'), '-R', join(workDir, 'syslog-ng.persist'),
  ], { env: { ...process.env, LD_LIBRARY_PATH: join(root, 'usr', 'lib', 'syslog-ng') }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`syslog-ng did not start within 30 s:\n${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('syslog-ng starting up')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`syslog-ng exited before it started:\n${stderr}`));
    });
  });
  return {
    child,
    port,
    workDir,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
