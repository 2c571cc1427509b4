import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis/redis-connection.ts';
import { nodesKey } from '../pipeline/queues.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { StatusSnapshot } from './status-state.ts';

/** What a vigil process tells the others about itself: fixed at start, plus its latest status. */
export interface NodeIdentity {
  id: string;
  role: string;
  version: string;
  host: string;
  pid: number;
  /** host:port of its admin listener (status page, /metrics), or null when it has none. */
  admin: string | null;
  /** Its enabled sinks, sorted. */
  sinks: string[];
  /** Hash of its effective configuration without secrets and role (config-fingerprint.ts). */
  fingerprint: string;
  /** ms since the epoch. */
  startedAt: number;
}

export interface NodeRecord extends NodeIdentity {
  /** Redis's clock (TIME) at the last heartbeat, ms since the epoch: one clock for every host. */
  heartbeatAt: number;
  /** The node's heartbeat interval; it counts as gone after STALE_INTERVALS of them. */
  intervalMs: number;
  /** How long ago the last heartbeat was when this was read, by Redis's clock. */
  heartbeatAgeMs: number;
  status: StatusSnapshot | null;
}

/** Heartbeats a node may miss before it is ignored and its entry removed. */
export const STALE_INTERVALS = 3;

/** A short random id: a restarted process is a new node, its old entry goes stale on its own. */
export const newNodeId = (): string => randomBytes(4).toString('hex');

/**
 * One round trip: registers (when ARGV[1] is an id), removes stale nodes and returns the live ones
 * as [now, id, heartbeatAt, intervalMs, record, ...] (only [now] when ARGV[4] is 0: a steady
 * heartbeat needs no one else's record, and N nodes reading N records each would grow as N²). Each node has two fields,
 * `n:<id>` (its JSON, stored as given) and `t:<id>` ("<heartbeat ms> <interval ms>"), so the script
 * never decodes JSON. Time comes from Redis (TIME; scripts replicate their effects since Redis 5).
 */
const BEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'n:' .. ARGV[1], ARGV[2], 't:' .. ARGV[1], string.format('%d %d', now, tonumber(ARGV[3])))
end
local all = redis.call('HGETALL', KEYS[1])
local beats, records = {}, {}
for i = 1, #all, 2 do
  local id = string.sub(all[i], 3)
  if string.sub(all[i], 1, 2) == 't:' then beats[id] = all[i + 1] else records[id] = all[i + 1] end
end
local live = { string.format('%d', now) }
for id, record in pairs(records) do
  local at, interval = string.match(beats[id] or '', '^(%d+) (%d+)$')
  if at and now - tonumber(at) <= ${STALE_INTERVALS} * tonumber(interval) then
    if ARGV[4] ~= '0' then
      table.insert(live, id); table.insert(live, at); table.insert(live, interval); table.insert(live, record)
    end
  else
    redis.call('HDEL', KEYS[1], 'n:' .. id, 't:' .. id)
  end
end
for id in pairs(beats) do
  if not records[id] then redis.call('HDEL', KEYS[1], 't:' .. id) end
end
return live
`;

type RegistryRedis = Pick<RedisClient, 'eval' | 'hdel'>;

async function beat(redis: RegistryRedis, prefix: string, own?: { id: string; json: string; intervalMs: number }, read = true): Promise<NodeRecord[]> {
  const reply = (await redis.eval(BEAT_SCRIPT, 1, nodesKey(prefix), own?.id ?? '', own?.json ?? '', String(own?.intervalMs ?? 0), read ? '1' : '0')) as string[];
  const now = Number(reply[0]);
  const records: NodeRecord[] = [];
  for (let i = 1; i + 3 < reply.length; i += 4) {
    try {
      const record = JSON.parse(reply[i + 3]) as Omit<NodeRecord, 'id' | 'heartbeatAt' | 'intervalMs' | 'heartbeatAgeMs'>;
      const heartbeatAt = Number(reply[i + 1]);
      records.push({ ...record, id: reply[i], heartbeatAt, intervalMs: Number(reply[i + 2]), heartbeatAgeMs: Math.max(0, now - heartbeatAt) });
    } catch {
      // An entry that is not JSON was not written by vigil: it is not a node.
    }
  }
  return records.sort((a, b) => a.role.localeCompare(b.role) || a.host.localeCompare(b.host) || a.startedAt - b.startedAt);
}

/** The live nodes of the deployment whose queues use `prefix` (stale entries are removed on the way). */
export function listNodes(redis: RegistryRedis, prefix = 'vigil'): Promise<NodeRecord[]> {
  return beat(redis, prefix);
}

/** `role@host:pid`, how messages and tables name a node. */
export const describeNode = (node: Pick<NodeIdentity, 'role' | 'host' | 'pid'>): string => `${node.role}@${node.host}:${node.pid}`;

export interface HeartbeatOptions {
  prefix: string;
  identity: NodeIdentity;
  intervalMs: number;
  /** The node's current status; undefined sends none (null in the record). */
  status: () => Promise<StatusSnapshot | undefined>;
  logger: Logger;
}

/**
 * Keeps this node's entry fresh: one script call per interval writes its record and status and
 * reads the others back. A failed beat (Redis away: reported elsewhere) is retried at the next
 * interval; the entry goes stale and disappears if the node stays silent.
 */
export class NodeHeartbeat {
  readonly #redis: RegistryRedis;
  readonly #options: HeartbeatOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(redis: RegistryRedis, options: HeartbeatOptions) {
    this.#redis = redis;
    this.#options = options;
  }

  /** Registers now and returns every live node, this one included (none with `read` false). */
  async beat(read = true): Promise<NodeRecord[]> {
    const { identity, intervalMs, prefix } = this.#options;
    const status = (await this.#options.status()) ?? null;
    const { id, ...rest } = identity;
    return beat(this.#redis, prefix, { id, json: JSON.stringify({ ...rest, status }), intervalMs }, read);
  }

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.beat(false)
        .catch((error: unknown) => this.#options.logger.debug({ error }, 'Node heartbeat failed; retrying at the next interval'))
        .finally(() => (this.#running = undefined));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops beating and removes this node's entry (graceful stop): the others stop counting it at once. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    const { id } = this.#options.identity;
    await this.#redis.hdel(nodesKey(this.#options.prefix), `n:${id}`, `t:${id}`);
  }
}
