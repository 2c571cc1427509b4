import type { EcsEvent } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';
import { container, endpoint, isContainer, joined, network, num, str, workload, type Mapping } from './ecs-parts.ts';

const BLOCKING_ACTIONS = new Set(['deny', 'reset']);

/**
 * A network threat the enforcer's DPI detected (DoS patterns, protocol abuse, SQL injection, DLP/WAF
 * sensor matches). `target` names the attacked side; `alert` and `allow` let the packet through.
 */
export function threatMapping(nv: Fields): Mapping {
  const client = workload(nv, 'client_workload_');
  const server = workload(nv, 'server_workload_');
  const targetIsClient = str(nv, 'target') === 'client';
  const target = targetIsClient ? client : server;
  const other = targetIsClient ? server : client;
  const action = str(nv, 'action');
  const name = str(nv, 'name');
  const ecs: EcsEvent = {};
  const local = isContainer(target) ? target : isContainer(other) ? other : undefined;
  if (local) ecs.container = container(local);
  const source = endpoint(str(nv, 'client_ip'), num(nv, 'client_port'));
  if (source) ecs.source = source;
  const destination = endpoint(str(nv, 'server_ip'), num(nv, 'server_port'));
  if (destination) ecs.destination = destination;
  const net = network(num(nv, 'ip_proto'), str(nv, 'application'));
  if (net) ecs.network = net;
  const rule: NonNullable<EcsEvent['rule']> = {};
  const threatId = num(nv, 'threat_id');
  if (threatId !== undefined) rule.id = String(threatId);
  if (name) rule.name = name;
  const sensor = str(nv, 'sensor');
  if (sensor) rule.ruleset = sensor; // DLP/WAF: the sensor holding the matched rule
  if (Object.keys(rule).length) ecs.rule = rule;
  return {
    category: ['intrusion_detection', 'network'],
    type: [action === undefined ? 'info' : BLOCKING_ACTIONS.has(action) ? 'denied' : 'allowed'],
    action: name,
    message: str(nv, 'message') ?? summary(nv, name, client.name, server.name, action),
    namespace: target.domain ?? other.domain,
    // The pod, if any: the same side the namespace comes from.
    workload: target.domain ? target : other.domain ? other : undefined,
    ecs,
  };
}

function summary(nv: Fields, name: string | undefined, client?: string, server?: string, action?: string): string {
  const from = client ?? str(nv, 'client_ip') ?? 'unknown';
  const to = server ?? str(nv, 'server_ip') ?? 'unknown';
  return joined(', ', `${name ?? 'Threat'}: ${from} -> ${to}`, action && `action ${action}`);
}
