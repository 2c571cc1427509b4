import type { EcsEvent } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';
import { container, endpoint, isContainer, joined, network, num, str, words, workload, type Mapping } from './ecs-parts.ts';

/**
 * A network policy violation: a connection the policy did not allow. `deny` blocked it; every other
 * policy action (violate in monitor mode, learn, open, allow, check_*) let it through.
 */
export function violationMapping(nv: Fields): Mapping {
  const client = workload(nv, 'client_');
  const server = workload(nv, 'server_');
  const policyAction = str(nv, 'policy_action');
  const serverPort = num(nv, 'server_port');
  const application = words(nv, 'applications')[0];
  const fqdn = str(nv, 'fqdn');
  const ecs: EcsEvent = {};
  // The enforcer reports from the workload's side: the client when it is a container, else the server.
  const local = isContainer(client) ? client : isContainer(server) ? server : undefined;
  if (local) ecs.container = container(local);
  const source = endpoint(str(nv, 'client_ip'), undefined);
  if (source) ecs.source = source;
  const destination = endpoint(str(nv, 'server_ip'), serverPort, fqdn);
  if (destination) ecs.destination = destination;
  const net = network(num(nv, 'ip_proto'), application);
  if (net) ecs.network = net;
  const policyId = num(nv, 'policy_id');
  if (policyId) ecs.rule = { id: String(policyId) }; // 0: no rule matched (default action)
  return {
    category: ['network'],
    type: ['connection', policyAction === 'deny' ? 'denied' : 'allowed'],
    action: 'Network.Violation',
    message: summary(nv, client.name, server.name, serverPort, application, policyAction, fqdn),
    namespace: local?.domain ?? client.domain ?? server.domain,
    // The pod, if any: the same side the namespace comes from.
    workload: local ?? (client.domain ? client : server.domain ? server : undefined),
    ecs,
  };
}

function summary(
  nv: Fields, client: string | undefined, server: string | undefined, port: number | undefined,
  application: string | undefined, policyAction: string | undefined, fqdn: string | undefined,
): string {
  const from = client ?? str(nv, 'client_ip') ?? 'unknown';
  const to = joined(' ', server ?? str(nv, 'server_ip') ?? 'unknown', fqdn && `(${fqdn})`);
  const what = joined(' ', port !== undefined && port > 0 && `port ${port}`, application);
  return joined(', ', `Network violation: ${from} -> ${to}`, what, policyAction && `policy action ${policyAction}`);
}
