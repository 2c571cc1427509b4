import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.ts';
import { createRedisClient, type RedisEndpoint } from '../redis/redis-connection.ts';
import { configFingerprint } from '../config/fingerprint.ts';
import { BUILD_INFO } from '../telemetry/build-info.ts';
import type { Logger } from '../telemetry/logger.ts';
import { sinkSetMismatch, sinkSetProblems } from './node-guards.ts';
import { listNodes, newNodeId, NodeHeartbeat, type NodeIdentity, type NodeRecord } from './node-registry.ts';
import type { StatusSnapshot } from './status-state.ts';

export interface JoinOptions {
  config: Config;
  /** The deployment's Redis. */
  redis: RedisEndpoint;
  /** Names of the enabled sinks. */
  sinks: string[];
  /** The admin listener's address, so `vigil status` can say where each node's status page is. */
  admin?: AddressInfo;
  status: () => Promise<StatusSnapshot>;
  logger: Logger;
}

export interface JoinedNode {
  identity: NodeIdentity;
  /** Every live node of the deployment, this one included. */
  list(): Promise<NodeRecord[]>;
  /** Stops the heartbeat and removes this node from the registry. */
  leave(): Promise<void>;
}

/**
 * Registers this process in the node registry and keeps it there. A node whose sinks differ from
 * those of a node that started before it refuses to start (nodes.sink_set_check: refuse): of two
 * mismatched nodes starting at once, the older one runs.
 */
export async function joinDeployment(options: JoinOptions): Promise<JoinedNode> {
  const { config, logger } = options;
  const identity: NodeIdentity = {
    id: newNodeId(),
    role: config.role,
    version: BUILD_INFO.version,
    host: hostname(),
    pid: process.pid,
    admin: options.admin ? `${options.admin.address.includes(':') ? `[${options.admin.address}]` : options.admin.address}:${options.admin.port}` : null,
    sinks: [...options.sinks].sort(),
    fingerprint: configFingerprint(config),
    startedAt: Date.now(),
  };
  const redis = createRedisClient(options.redis, { maxRetriesPerRequest: 2, lazyConnect: true });
  redis.on('error', (error) => logger.debug({ error }, 'Node registry connection error'));
  const heartbeat = new NodeHeartbeat(redis, {
    prefix: config.redis.prefix, identity, intervalMs: config.nodes.heartbeat_interval_ms, status: options.status, logger,
  });
  const leave = async () => {
    await heartbeat.stop().catch((error: unknown) => logger.warn({ error }, 'Could not remove this node from the node registry; its entry expires on its own'));
    redis.disconnect();
  };
  try {
    await redis.connect();
    const nodes = await heartbeat.beat();
    const problems = sinkSetProblems(identity, nodes.filter((n) => olderThan(n, identity)));
    if (problems.length && config.nodes.sink_set_check === 'refuse') throw sinkSetMismatch(problems);
    for (const problem of problems) logger.warn({ problem }, 'Sink set differs from a live node (nodes.sink_set_check: warn)');
    heartbeat.start();
    logger.info({ node: identity.id, nodes: nodes.length }, 'Joined the deployment (node registry)');
    return { identity, leave, list: () => listNodes(redis, config.redis.prefix) };
  } catch (error) {
    await leave();
    throw error;
  }
}

function olderThan(node: NodeRecord, self: NodeIdentity): boolean {
  return node.id !== self.id && (node.startedAt < self.startedAt || (node.startedAt === self.startedAt && node.id < self.id));
}
