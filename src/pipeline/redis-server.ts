import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_MISSING_HELP =
  'redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; ' +
  'macOS: brew install redis) or point vigil at an existing Redis with REDIS_URL=redis://host:6379.';

export interface RedisServerOptions {
  /** Data directory (AOF files, pid file, log, socket). */
  dir: string;
  binary?: string;
  /** TCP port; 0 picks a free one. Ignored when `socket` is true. */
  port?: number;
  /** Listen on a unix socket in `dir` instead of TCP (faster on one machine). */
  socket?: boolean;
  /** Where the socket goes, in a fresh 0700 directory, when `dir` is too deep for one [os.tmpdir()]. */
  shortSocketParent?: string;
  /** maxmemory (e.g. '256mb'); unset means no limit. */
  maxmemory?: string;
  /**
   * AOF fsync policy [everysec]. With everysec Redis hands each write to the kernel before it
   * answers (unless a slow disk makes it postpone that, up to 2 s), so a killed redis-server keeps
   * what it acknowledged, while a power loss can take the last second. `always` fsyncs before
   * answering: nothing acknowledged is lost either way, at a cost in write throughput.
   */
  appendfsync?: 'everysec' | 'always';
}

export interface RunningRedis {
  /** ioredis connection target: a redis:// URL or a unix socket path. */
  target: RedisTarget;
  pid: number;
  /** Graceful stop: SIGTERM makes Redis fsync the AOF before it exits. */
  stop(): Promise<void>;
  /** Crash stop (tests): SIGKILL, nothing flushed beyond what appendfsync already wrote. */
  kill(): Promise<void>;
}

export type RedisTarget = { url: string } | { path: string };

/**
 * Runs a redis-server child with the durability vigil needs: AOF on with fsync every second,
 * no RDB snapshots, and noeviction (BullMQ must never lose keys to eviction).
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RunningRedis> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  await stopStale(join(options.dir, 'redis.pid'));
  const socketPath = options.socket === true ? privateSocketPath(options.dir, options.shortSocketParent ?? tmpdir()) : undefined;
  const useSocket = socketPath !== undefined;
  const port = useSocket ? 0 : options.port || (await freePort());
  // Over TCP any local user can connect: a socket was wanted and no short path exists, so the
  // server gets a random password, in a 0600 config file (a command line is readable by all).
  const password = options.socket === true && !useSocket ? randomBytes(24).toString('hex') : undefined;
  const authConf = join(options.dir, 'auth.conf');
  if (password) writeFileSync(authConf, `requirepass "${password}"\n`, { mode: 0o600 });
  const args = [
    ...(password ? [authConf] : []),
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync ?? 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--pidfile', join(options.dir, 'redis.pid'),
    '--logfile', join(options.dir, 'redis.log'),
    '--daemonize', 'no',
  ];
  if (useSocket) args.push('--unixsocket', socketPath, '--unixsocketperm', '700');
  if (options.maxmemory) args.push('--maxmemory', options.maxmemory);

  const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(REDIS_MISSING_HELP) : error));
    void exited.then((code) =>
      reject(new Error(`redis-server exited with code ${code} at start; see ${join(options.dir, 'redis.log')}`)));
  });
  const target: RedisTarget = useSocket ? { path: socketPath } : { url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}` };
  const gaveUp = new AbortController();
  failed.catch(() => gaveUp.abort());
  await Promise.race([waitForPing(target, gaveUp.signal), failed]);
  // Where the CLI (vigil dlq) finds this server, password included: readable by this user only.
  writeFileSync(join(options.dir, TARGET_FILE), JSON.stringify(target), { mode: 0o600 });

  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
    if (socketPath && !socketPath.startsWith(options.dir)) rmSync(join(socketPath, '..'), { recursive: true, force: true });
  };
  return { target, pid: child.pid!, stop: () => stopWith('SIGTERM'), kill: () => stopWith('SIGKILL') };
}

/** The running embedded server's target (JSON), in its dir. */
export const TARGET_FILE = 'redis.target';

/** sun_path holds 108 bytes on Linux and 104 on macOS, the final NUL included. */
const MAX_SOCKET_PATH_BYTES = 103;

/**
 * The socket in `dir`, or when that path is too long for a unix socket, in a fresh 0700
 * directory under `shortParent` (only this user can reach it); undefined when neither fits.
 */
function privateSocketPath(dir: string, shortParent: string): string | undefined {
  const inDir = join(dir, 'redis.sock');
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH_BYTES) return inDir;
  if (Buffer.byteLength(join(shortParent, 'vigil-redis-XXXXXX', 'redis.sock')) > MAX_SOCKET_PATH_BYTES) return undefined;
  return join(mkdtempSync(join(shortParent, 'vigil-redis-')), 'redis.sock');
}

async function waitForPing(target: RedisTarget, signal: AbortSignal, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    const client = new Redis({ ...ioredisOptions(target), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      // LOADING (AOF replay) and ECONNREFUSED both mean: not yet.
      if (Date.now() > deadline) throw new Error(`redis-server did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
}

/** A redis-server left behind by a crashed vigil would share our AOF: stop it first. */
async function stopStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isRedis(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
}

function isRedis(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** ioredis options for a target; callers add their own (BullMQ workers need maxRetriesPerRequest: null). */
export function ioredisOptions(target: RedisTarget): Record<string, unknown> {
  if ('path' in target) return { path: target.path };
  const url = new URL(target.url);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

