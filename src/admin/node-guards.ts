import type { Config } from '../config/schema.ts';
import { ConfigError } from '../config/errors.ts';
import { describeNode, type NodeRecord } from './node-registry.ts';

/**
 * A split role only works beside the other roles on one Redis. Without a shared one it would start
 * an embedded redis-server that no other process reads: its events would wait there forever.
 */
export function requireSharedRedis(config: Config): void {
  const { url, sentinels, cluster } = config.redis;
  if (config.role === 'all' || url || sentinels.length || cluster.length) return;
  throw new ConfigError('VIGIL_ERR_REDIS_NOT_SHARED', [
    `role ${config.role} (VIGIL_ROLE) needs the Redis the other roles use: set REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER; without it this process would run alone on an embedded Redis`,
  ]);
}

/**
 * How this node's sinks differ from each live other's, one line per differing node: a sink that
 * process nodes fan out to but no deliver node drains grows its queue until backpressure stops
 * ingest, and one that only some deliverers have is delivered by those alone.
 */
export function sinkSetProblems(self: Pick<NodeRecord, 'id' | 'sinks'>, nodes: NodeRecord[]): string[] {
  const own = new Set(self.sinks);
  const problems: string[] = [];
  for (const node of nodes) {
    if (node.id === self.id) continue;
    const theirs = new Set(node.sinks);
    const missing = node.sinks.filter((s) => !own.has(s));
    const extra = self.sinks.filter((s) => !theirs.has(s));
    if (!missing.length && !extra.length) continue;
    const parts = [missing.length && `missing ${missing.join(', ')}`, extra.length && `extra ${extra.join(', ')}`].filter(Boolean);
    problems.push(`sink set differs from node ${node.id} (${describeNode(node)}): ${parts.join(', ')}`);
  }
  return problems;
}

/** Refuses the start (VIGIL_ERR_SINK_SET_MISMATCH) when `problems` is not empty. */
export function sinkSetMismatch(problems: string[]): ConfigError {
  return new ConfigError('VIGIL_ERR_SINK_SET_MISMATCH', [
    ...problems,
    'every node of a deployment needs the same sinks; to change them, set nodes.sink_set_check: warn (VIGIL_SINK_SET_CHECK) for that rollout',
  ]);
}
