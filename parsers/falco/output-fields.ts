import type { EcsEvent } from '../kit/ecs.ts';
import { compact, integer, text, type JsonObject } from '../kit/json-read.ts';
import { podFields } from '../kit/pod-owner.ts';
import { connection } from './connection.ts';

export type FieldSets = Pick<EcsEvent, 'process' | 'user' | 'container' | 'orchestrator' | 'file' | 'source' | 'destination' | 'network' | 'url'>
  & { kubernetes?: Record<string, unknown> };

/**
 * Falco output_fields (flat keys such as `proc.cmdline`, `k8s.pod.name`) → ECS field sets, following
 * Elastic's Falco integration. Only fields the rule printed exist; `null` (unresolvable) is skipped.
 */
export function fieldSets(f: JsonObject): FieldSets {
  const { kubernetes, ...inContainer } = containerSets(f);
  const sets: FieldSets = {
    process: compact({
      name: text(f['proc.name']),
      executable: text(f['proc.exepath']),
      command_line: text(f['proc.cmdline']),
      pid: integer(f['proc.pid']),
      parent: {
        name: text(f['proc.pname']),
        executable: text(f['proc.pexepath']),
        command_line: text(f['proc.pcmdline']),
        pid: integer(f['proc.ppid']),
      },
      // The user the process runs as, where Elastic's Falco integration and Kibana's process views
      // look; the same user is also user.* below (with ka.user.name for audit alerts).
      user: { id: idText(f['user.uid']), name: text(f['user.name']) },
    }),
    user: compact({
      name: text(f['user.name']) ?? text(f['ka.user.name']),
      id: idText(f['user.uid']),
    }),
    ...inContainer,
    file: fileOf(f),
    ...connection(f),
    network: compact({ transport: transport(f['fd.l4proto']) }),
    url: compact({ original: text(f['ka.uri']) }),
    kubernetes,
  };
  return compact(sets) ?? {};
}

function containerSets(f: JsonObject): Pick<FieldSets, 'container' | 'orchestrator' | 'kubernetes'> {
  // Host processes report container.id (and name) "host": not a container.
  const id = text(f['container.id']);
  const inContainer = id !== 'host';
  const tag = text(f['container.image.tag']);
  const digest = text(f['container.image.digest']);
  const container = inContainer ? compact({
    id,
    name: text(f['container.name']),
    image: {
      name: text(f['container.image.repository']) ?? text(f['container.image']),
      tag: tag ? [tag] : undefined,
      hash: digest ? { all: [digest] } : undefined,
    },
  }) : undefined;
  const pod = text(f['k8s.pod.name']);
  const podNamespace = text(f['k8s.ns.name']);
  // The pod's owner (resource.parent.type, kubernetes.<owner>.name) when its name has a controller's shape.
  const owned = podFields(pod, podNamespace);
  const auditTarget = text(f['ka.target.resource']);
  const subresource = text(f['ka.target.subresource']);
  const resource = owned?.resource ?? (pod !== undefined
    ? { type: 'pod', name: pod }
    : { type: auditTarget && (subresource ? `${auditTarget}/${subresource}` : auditTarget), name: text(f['ka.target.name']) });
  const orchestrator = compact({ namespace: podNamespace ?? text(f['ka.target.namespace']), resource });
  return { container, orchestrator: orchestrator && { type: 'kubernetes', ...orchestrator }, kubernetes: owned?.kubernetes };
}

function fileOf(f: JsonObject): FieldSets['file'] {
  const path = text(f['fd.name']);
  const type = text(f['fd.type']);
  // Without fd.type, a name starting with `/` is a path; sockets read `ip:port->ip:port`.
  const isFile = type !== undefined ? type === 'file' || type === 'directory' : path?.startsWith('/') === true;
  if (!isFile || path === undefined) return undefined;
  return { path, name: text(f['fd.filename']) ?? (path.slice(path.lastIndexOf('/') + 1) || undefined) };
}

function idText(value: unknown): string | undefined {
  const n = integer(value);
  return n !== undefined ? String(n) : text(value);
}

function transport(value: unknown): string | undefined {
  const proto = text(value)?.toLowerCase();
  return proto === 'tcp' || proto === 'udp' || proto === 'icmp' ? proto : undefined;
}
