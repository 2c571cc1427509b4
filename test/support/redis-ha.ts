import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../src/redis/redis-server.ts';
import { startProgram, type RunningProgram } from './real-program.ts';

/**
 * Real Redis deployments for the high-availability tests, from Debian's redis-server on loopback
 * ports, each server with its own data dir and AOF (as test/support/redis.ts's single server):
 *
 *   startSentinelSet()   one master, replicas and sentinels (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/)
 *   startRedisCluster()  masters joined by `redis-cli --cluster create` (https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/)
 *   startTlsRedis()      one server that speaks TLS only (https://redis.io/docs/latest/operate/oss_and_stack/management/security/encryption/)
 */

const run = promisify(execFile);

interface Server {
  port: number;
  program: RunningProgram;
}

/**
 * TLS on a server or sentinel, with the PEM files makePki() (test/support/pki.ts) writes to `dir`:
 * the server certificate, test-ca.crt to verify peers, and the client certificate for the server's
 * own connections (replication, sentinels' links). `authClients`: clients must show a certificate.
 */
export interface RedisTls {
  dir: string;
  authClients: boolean;
}

/** How the test's own connections reach a server: its password, and TLS when it speaks only that. */
interface Access {
  password?: string;
  tls?: RedisTls;
}

/** Listening settings: a plain port, or with TLS a TLS port only (`port 0`) that replication uses too. */
function listenSettings(port: number, tls?: RedisTls): Array<[string, string]> {
  if (!tls) return [['port', String(port)]];
  const file = (name: string) => join(tls.dir, name);
  return [
    ['port', '0'], ['tls-port', String(port)], ['tls-replication', 'yes'], ['tls-auth-clients', tls.authClients ? 'yes' : 'no'],
    ['tls-cert-file', file('server.crt')], ['tls-key-file', file('server.key')], ['tls-ca-cert-file', file('test-ca.crt')],
    ['tls-client-cert-file', file('client.crt')], ['tls-client-key-file', file('client.key')],
  ];
}

/** The ioredis options of a client of a TLS server (its CA, and the client certificate it may ask for). */
export function clientTls(tls: RedisTls): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (name: string) => readFileSync(join(tls.dir, name));
  return { ca: read('test-ca.crt'), cert: read('client.crt'), key: read('client.key') };
}

/** One redis-server with the durability vigil asks for (AOF, noeviction), plus `extra` arguments. */
async function startServer(dir: string, port: number, extra: string[], access: Access = {}): Promise<Server> {
  mkdirSync(dir, { recursive: true });
  const program = startProgram('redis-server', [
    ...listenSettings(port, access.tls).flatMap(([key, value]) => [`--${key}`, value]), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
    '--logfile', join(dir, 'redis.log'), '--daemonize', 'no', ...extra,
  ]);
  await until(async () => (await ask(port, (c) => c.ping(), access)) === 'PONG', 10_000, `redis-server on ${port} to answer`);
  return { port, program };
}

/** A command on a fresh connection; undefined when the server does not answer. */
async function ask<T>(port: number, command: (client: Redis) => Promise<T>, { password, tls }: Access = {}): Promise<T | undefined> {
  const client = new Redis({
    port, host: '127.0.0.1', password, tls: tls && clientTls(tls),
    lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await command(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface SentinelSet {
  /** The master set's name (REDIS_SENTINEL_MASTER). */
  name: string;
  /** host:port of each sentinel (REDIS_SENTINELS). */
  sentinels: string[];
  /** The port of the server the sentinels call master now. */
  masterPort(): Promise<number | undefined>;
  /**
   * SIGKILLs the first master; resolves with its port. With `partitionMs` (needs `password`), its
   * replicas are cut off from it that long before: their links are killed and their reconnects
   * fail (a wrong masterauth until the master is dead), so what the master acknowledged meanwhile
   * never reaches them, as in a network partition. Stopping the replicas instead would not do: the
   * kernel keeps taking the stream into their sockets. (A relay in between would not do either:
   * the sentinels reconfigure replicas that replicate from an address other than the master's.)
   */
  killMaster(options?: { partitionMs?: number; partitioned?: () => void }): Promise<number>;
  /** Resolves once the sentinels name a master other than `port` and it answers as one. */
  failedOver(port: number, timeoutMs?: number): Promise<number>;
  destroy(): Promise<void>;
}

/**
 * One master, `replicas` replicas and `sentinels` sentinels (quorum: a majority). A master
 * unreachable for 1 s is failed over: Sentinel's defaults (30 s, 3 min) would outlast a test.
 */
export async function startSentinelSet(options: { replicas?: number; sentinels?: number; password?: string; sentinelPassword?: string; tls?: RedisTls } = {}): Promise<SentinelSet> {
  const { replicas = 2, sentinels = 3, password, sentinelPassword, tls } = options;
  // With `tls` the servers and the sentinels speak TLS only, to clients and to each other.
  const server: Access = { password, tls };
  const sentinel: Access = { password: sentinelPassword, tls };
  // Servers ask for `password` (and replicas give it to their master); sentinels for theirs.
  const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const name = 'vigil-ha';
  const root = mkdtempSync(join(tmpdir(), 'vigil-sentinel-'));
  const servers = new Map<number, Server>();
  const sentinelPrograms: RunningProgram[] = [];
  const destroy = async () => {
    await Promise.all([...sentinelPrograms, ...[...servers.values()].map((s) => s.program)].map((p) => p.stop(2000)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    servers.set(masterPort, await startServer(join(root, `redis-${masterPort}`), masterPort, auth, server));
    for (let i = 0; i < replicas; i++) {
      const port = await freePort();
      servers.set(port, await startServer(join(root, `redis-${port}`), port, [...auth, '--replicaof', '127.0.0.1', String(masterPort), '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'], server));
    }
    await until(async () => /connected_slaves:(\d+)/.exec((await ask(masterPort, (c) => c.info('replication'), server)) ?? '')?.[1] === String(replicas),
      10_000, `${replicas} replicas to connect`);
    const sentinelPorts: number[] = [];
    for (let i = 0; i < sentinels; i++) {
      const port = await freePort();
      const dir = join(root, `sentinel-${port}`);
      mkdirSync(dir);
      // Sentinel rewrites its config file as it learns the set: each needs its own, writable.
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(conf, [
        ...listenSettings(port, tls).map(([key, value]) => `${key} ${value}`), 'bind 127.0.0.1', `dir ${dir}`, `logfile ${join(dir, 'sentinel.log')}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${Math.floor(sentinels / 2) + 1}`,
        `sentinel down-after-milliseconds ${name} 1000`,
        // A failed election is retried after twice this: Sentinel's 3 min would outlast the test.
        `sentinel failover-timeout ${name} 2000`,
        ...(password ? [`sentinel auth-pass ${name} ${password}`] : []),
        ...(sentinelPassword ? [`requirepass ${sentinelPassword}`] : []),
        '',
      ].join('\n'));
      sentinelPrograms.push(startProgram('redis-server', [conf, '--sentinel']));
      sentinelPorts.push(port);
    }
    // Sentinels find the replicas and each other through the master (hello messages every 2 s):
    // only then can they agree on a failover.
    for (const port of sentinelPorts) {
      await until(async () => {
        const known = await ask(port, async (c) => [
          ((await c.call('SENTINEL', 'REPLICAS', name)) as unknown[]).length,
          ((await c.call('SENTINEL', 'SENTINELS', name)) as unknown[]).length,
        ], sentinel);
        return known?.[0] === replicas && known[1] === sentinels - 1;
      }, 20_000, `sentinel ${port} to know every replica and sentinel`);
    }
    const askSentinels = async (): Promise<number | undefined> => {
      for (const port of sentinelPorts) {
        const addr = await ask(port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name) as Promise<string[] | null>, sentinel);
        if (addr) return Number(addr[1]);
      }
      return undefined;
    };
    return {
      name,
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
      masterPort: askSentinels,
      async killMaster({ partitionMs = 0, partitioned } = {}) {
        const { child } = servers.get(masterPort)!.program;
        const replicaPorts = [...servers.keys()].filter((port) => port !== masterPort);
        const masterauth = (value: string) => Promise.all(replicaPorts.map((port) => ask(port, (c) => c.config('SET', 'masterauth', value), server)));
        if (partitionMs) {
          if (!password) throw new Error('a partition needs the servers to have a password');
          await masterauth('partitioned');
          await ask(masterPort, (c) => c.call('CLIENT', 'KILL', 'TYPE', 'replica'), server);
          await until(async () => (await Promise.all(replicaPorts.map((port) => ask(port, (c) => c.info('replication'), server))))
            .every((info) => /master_link_status:down/.test(info ?? '')), 5_000, 'the replicas to lose their master');
          partitioned?.();
          await sleep(partitionMs);
        }
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        if (partitionMs) await masterauth(password!);
        return masterPort;
      },
      async failedOver(old, timeoutMs = 30_000) {
        let promoted: number | undefined;
        await until(async () => {
          promoted = await askSentinels();
          if (promoted === undefined || promoted === old) return false;
          return /role:master/.test((await ask(promoted, (c) => c.info('replication'), server)) ?? '');
        }, timeoutMs, 'the sentinels to promote a replica');
        return promoted!;
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

export interface RedisCluster {
  /** host:port of every node (REDIS_CLUSTER). */
  nodes: string[];
  /** Ports of the master holding `key`'s hash slot and of its replicas. */
  holders(key: string): Promise<{ master: number; replicas: number[] }>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): Promise<void>;
  /** Stops every node and removes its data. */
  destroy(): Promise<void>;
  /** A client of the cluster's node `port`, for the test's own checks. */
  ask<T>(port: number, command: (client: Redis) => Promise<T>): Promise<T | undefined>;
}

/** `masters` masters with `replicas` replicas each, their slots and roles assigned by `redis-cli --cluster create`. */
export async function startRedisCluster(options: { masters?: number; replicas?: number } = {}): Promise<RedisCluster> {
  const { masters = 3, replicas = 0 } = options;
  const root = mkdtempSync(join(tmpdir(), 'vigil-cluster-'));
  const servers: Server[] = [];
  const destroy = async () => {
    await Promise.all(servers.map((s) => s.program.stop(2000)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      const dir = join(root, `redis-${port}`);
      servers.push(await startServer(dir, port, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000']));
    }
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicas), '--cluster-yes']);
    await until(async () => {
      const states = await Promise.all(servers.map((s) => ask(s.port, (c) => c.info())));
      // Every node sees the whole cluster, and every replica has caught up with its master.
      return states.every((info) => /cluster_enabled:1/.test(info ?? '') && !/master_link_status:down/.test(info ?? ''))
        && (await Promise.all(servers.map((s) => ask(s.port, (c) => c.call('CLUSTER', 'INFO') as Promise<string>)))).every((info) => /cluster_state:ok/.test(info ?? ''));
    }, 20_000, 'every cluster node to report cluster_state:ok');
    return {
      nodes,
      destroy,
      ask,
      async holders(key) {
        const port = servers[0].port;
        const slot = Number(await ask(port, (c) => c.call('CLUSTER', 'KEYSLOT', key)));
        const ranges = (await ask(port, (c) => c.call('CLUSTER', 'SLOTS'))) as Array<[number, number, ...Array<[string, number, string]>]>;
        const [, , master, ...copies] = ranges.find(([start, end]) => slot >= start && slot <= end)!;
        return { master: master[1], replicas: copies.map((copy) => copy[1]) };
      },
      async kill(port) {
        const { child } = servers.find((s) => s.port === port)!.program;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

export interface TlsRedis {
  port: number;
  stop(): Promise<void>;
}

/** One redis-server listening on TLS only (no plain port), with `password` (requirepass). */
export async function startTlsRedis(tls: RedisTls, password: string): Promise<TlsRedis> {
  const root = mkdtempSync(join(tmpdir(), 'vigil-redis-tls-'));
  const port = await freePort();
  const { program } = await startServer(root, port, ['--requirepass', password], { password, tls });
  return {
    port,
    async stop() {
      await program.stop(2000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
