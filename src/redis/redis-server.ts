import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '../config/errors.ts';
import { createRedisClient, describeEndpoint, type RedisEndpoint } from './redis-connection.ts';

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
  /** How long to wait for the server to answer (it replays its AOF first) [30 s]. */
  startTimeoutMs?: number;
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

  const binary = options.binary ?? 'redis-server';
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = join(options.dir, 'redis.log');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new VigilError('VIGIL_ERR_REDIS_MISSING', [`${binary}: ${REDIS_MISSING_HELP}`]) : error));
    void exited.then((code) => reject(new VigilError('VIGIL_ERR_REDIS_UNAVAILABLE',
      [`the embedded redis-server exited with code ${code} at start: ${lastLine(log)} (all of it in ${log})`])));
  });
  const target: RedisTarget = useSocket ? { path: socketPath } : { url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}` };
  const gaveUp = new AbortController();
  failed.catch(() => gaveUp.abort());
  await Promise.race([waitForRedis(target, { timeoutMs: options.startTimeoutMs ?? 30_000, signal: gaveUp.signal }), failed]).catch((error: unknown) => {
    if (child.exitCode === null) child.kill('SIGTERM');
    throw error;
  });
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

export interface WaitForRedisOptions {
  /** Give up after this long (0: one attempt). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** What sets timeoutMs, for the message when it runs out [the start-up setting]. */
  setBy?: string;
  /** How messages name the Redis [its URL with the password masked, its socket, or describeEndpoint]. */
  where?: string;
  /** Called after a failed attempt whose reason differs from the previous one. */
  onRetry?: (reason: string, nextAttemptMs: number) => void;
}

/**
 * Waits until Redis answers PING, retrying with backoff (0.25 s doubling to 5 s) until the
 * deadline; then fails with VIGIL_ERR_REDIS_UNAVAILABLE naming the target (password masked) and
 * the last reason. Rejected credentials fail at once: retrying cannot fix them. LOADING (an AOF
 * being replayed) and a refused connection both mean: not yet.
 */
export async function waitForRedis(target: RedisTarget | RedisEndpoint, options: WaitForRedisOptions): Promise<void> {
  const endpoint = 'options' in target ? target : { options: ioredisOptions(target) };
  const started = Date.now();
  let delay = 250;
  let previous = '';
  for (;;) {
    // One attempt each time round: this loop retries, with its own backoff and deadline.
    const client = createRedisClient(endpoint, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, sentinelRetryStrategy: () => null, connectTimeout: 5_000 });
    // connect() rejects with "Connection is closed."; the cause comes as an error event.
    let cause: Error | undefined;
    client.on('error', (error) => (cause ??= error));
    let reason: string;
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      reason = describeRedisError((cause ?? error) as NodeJS.ErrnoException);
    } finally {
      client.disconnect();
    }
    const where = options.where ?? ('url' in target ? maskRedisUrl(target.url) : 'path' in target ? target.path : describeEndpoint(endpoint));
    if (/^(WRONGPASS|NOAUTH|ERR AUTH|ERR invalid password)/.test(reason)) {
      throw new VigilError('VIGIL_ERR_REDIS_UNAVAILABLE', [`${where}: ${reason}`]);
    }
    const left = started + options.timeoutMs - Date.now();
    if (left <= 0 || options.signal?.aborted) {
      const waited = Math.round((Date.now() - started) / 1000);
      throw new VigilError('VIGIL_ERR_REDIS_UNAVAILABLE', [`${where}: ${reason}; gave up after ${waited} s (${options.setBy ?? 'redis.connect_timeout_ms, VIGIL_REDIS_CONNECT_TIMEOUT_MS'})`]);
    }
    const wait = Math.min(delay, left);
    if (reason !== previous) options.onRetry?.(reason, wait);
    previous = reason;
    await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
    delay = Math.min(delay * 2, 5_000);
  }
}

/** An ioredis or socket error as a short reason: `connection refused (ECONNREFUSED)`. */
export function describeRedisError(error: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ETIMEDOUT: 'timed out', ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed', EHOSTUNREACH: 'host unreachable', ENOENT: 'no such socket', EACCES: 'permission denied',
  };
  if (error.code && known[error.code]) return `${known[error.code]} (${error.code})`;
  return error.message.split('\n')[0];
}

/** A Redis URL fit for a log line: its password replaced by ***. */
export function maskRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(a REDIS_URL that is not a URL)';
  }
}

/** The last non-empty line of a log file, to say why a process ended. */
function lastLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').pop()?.trim() || '(its log is empty)';
  } catch {
    return '(it wrote no log)';
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

