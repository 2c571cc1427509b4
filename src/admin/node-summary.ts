import type { NodeRecord } from './node-registry.ts';

/** One line per node, as `vigil status` and the status page show it. */
export interface NodeSummary {
  id: string;
  role: string;
  host: string;
  pid: number;
  version: string;
  admin: string | null;
  sinks: string[];
  fingerprint: string;
  /** Events received per second by its listeners. */
  inPerSecond: number;
  /** Events accepted per second by its sinks' backends. */
  outPerSecond: number;
  /** `ok`, or each sink that is not up with its state (`loki down`); `unknown` without a status. */
  health: string;
  /** Batches waiting in all queues, as this node last measured them. */
  backlogJobs: number;
  uptimeSeconds: number;
  heartbeatAgeSeconds: number;
}

export function summarizeNode(node: NodeRecord): NodeSummary {
  const { status } = node;
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const unwell = status?.sinks.filter((s) => s.health !== 'up').map((s) => `${s.sink} ${s.health}`) ?? [];
  return {
    id: node.id, role: node.role, host: node.host, pid: node.pid, version: node.version, admin: node.admin,
    sinks: node.sinks, fingerprint: node.fingerprint,
    inPerSecond: sum(status?.listeners.map((l) => l.perSecond) ?? []),
    outPerSecond: sum(status?.sinks.map((s) => s.perSecond) ?? []),
    health: !status ? 'unknown' : unwell.length ? unwell.join(', ') : 'ok',
    backlogJobs: sum(status?.queues.map((q) => q.jobs) ?? []),
    uptimeSeconds: status?.node.uptimeSeconds ?? 0,
    heartbeatAgeSeconds: Math.round(node.heartbeatAgeMs / 100) / 10,
  };
}

export const NODE_HEADERS = ['node', 'role', 'host', 'pid', 'version', 'in/s', 'out/s', 'health', 'backlog (batches)', 'config', 'heartbeat age'];

/** Table cells of a node, text only; the status page's script builds the same from /status.json. */
export function nodeRow(n: NodeSummary): string[] {
  const rate = (x: number) => x.toFixed(x < 10 ? 2 : 0);
  return [n.id, n.role, n.host, String(n.pid), n.version, rate(n.inPerSecond), rate(n.outPerSecond), n.health, String(n.backlogJobs), n.fingerprint, `${n.heartbeatAgeSeconds} s`];
}
