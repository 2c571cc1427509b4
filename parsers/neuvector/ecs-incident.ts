import type { EcsEvent } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';
import { container, endpoint, network, num, str, words, workload, type Mapping } from './ecs-parts.ts';

/** The ECS category and type of each kind of runtime incident, told apart by the incident name. */
function categorised(name: string): { category: string; type: string } {
  if (name.endsWith('.FileAccess.Violation')) return { category: 'file', type: 'access' };
  if (name.endsWith('.Privilege.Escalation')) return { category: 'process', type: 'change' };
  if (name.endsWith('.Package.Updated')) return { category: 'package', type: 'change' };
  if (name.endsWith('.Tunnel.Detected')) return { category: 'network', type: 'connection' };
  if (name.endsWith('Process') || name.endsWith('Process.Violation') || name === 'Process.Profile.Violation') {
    return { category: 'process', type: 'start' };
  }
  return { category: 'host', type: 'info' };
}

/**
 * A runtime incident from the enforcer: an unexpected process, file access, privilege escalation,
 * tunnel or package change, in a container (workload_* present) or on the host (absent).
 * `deny` blocked it; `violate` only reported it.
 */
export function incidentMapping(nv: Fields): Mapping {
  const name = str(nv, 'name') ?? '';
  const { category, type } = categorised(name);
  const local = workload(nv, 'workload_');
  const ecs: EcsEvent = {};
  const c = container(local);
  if (c) ecs.container = c;
  const proc = processOf(nv);
  if (proc) ecs.process = proc;
  const files = words(nv, 'file_name');
  const path = files[0] ?? str(nv, 'file_path');
  if (path) ecs.file = fileOf(path);
  const source = endpoint(str(nv, 'client_ip'), num(nv, 'client_port'));
  if (source) ecs.source = source;
  const destination = endpoint(str(nv, 'server_ip'), num(nv, 'server_port'));
  if (destination) ecs.destination = destination;
  const net = network(num(nv, 'ip_proto'), undefined);
  if (net) ecs.network = net;
  const ruleId = str(nv, 'rule_id');
  if (ruleId) ecs.rule = { id: ruleId };
  const where = local.name ?? str(nv, 'host_name');
  return {
    category: [category, 'intrusion_detection'],
    type: [type, str(nv, 'action') === 'deny' ? 'denied' : 'allowed'],
    action: name || undefined,
    // NeuVector's own webhook title for an incident is "<name> at <workload>".
    message: str(nv, 'message') ?? (where ? `${name || 'Incident'} at ${where}` : name || 'Incident'),
    namespace: local.domain,
    workload: local,
    ecs,
  };
}

function processOf(nv: Fields): EcsEvent['process'] | undefined {
  const out: NonNullable<EcsEvent['process']> = {};
  const name = str(nv, 'proc_name');
  const executable = str(nv, 'proc_path');
  const commandLine = str(nv, 'proc_cmd');
  if (name) out.name = name;
  if (executable) out.executable = executable;
  if (commandLine) out.command_line = commandLine;
  const parentName = str(nv, 'proc_parent_name');
  const parentPath = str(nv, 'proc_parent_path');
  if (parentName || parentPath) {
    out.parent = {};
    if (parentName) out.parent.name = parentName;
    if (parentPath) out.parent.executable = parentPath;
  }
  // process.user is the effective user in ECS. uid 0 is omitted by the sender (omitempty), so an
  // absent uid is unknown, not root.
  const uid = num(nv, 'proc_effective_uid');
  const user = str(nv, 'proc_effective_user');
  if (uid !== undefined || user) {
    out.user = {};
    if (uid !== undefined) out.user.id = String(uid);
    if (user) out.user.name = user;
  }
  return Object.keys(out).length ? out : undefined;
}

function fileOf(path: string): NonNullable<EcsEvent['file']> {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  return name ? { path, name } : { path };
}
