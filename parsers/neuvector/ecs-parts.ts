import { isIP } from 'node:net';
import type { EcsEvent, Endpoint } from '../kit/ecs.ts';
import type { Fields } from './fields.ts';

// Field readers: NeuVector prints empty strings for unset fields, and ECS wants them absent.

export function str(nv: Fields, key: string): string | undefined {
  const value = nv[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(nv: Fields, key: string): number | undefined {
  const value = nv[key];
  return typeof value === 'number' ? value : undefined;
}

export function words(nv: Fields, key: string): string[] {
  const value = nv[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

/** source.* / destination.*: ip only when it is one (Elasticsearch rejects the document otherwise); port 0 means none (ICMP). */
export function endpoint(address: string | undefined, port: number | undefined, domain?: string): Endpoint | undefined {
  const out: Endpoint = {};
  if (address) {
    out.address = address;
    if (isIP(address)) out.ip = address;
  }
  if (port !== undefined && port > 0) out.port = port;
  if (domain) out.domain = domain;
  return Object.keys(out).length ? out : undefined;
}

const TRANSPORTS: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };

/** network.* from the IP protocol number and the application NeuVector recognised (ECS wants both lower-case). */
export function network(ipProto: number | undefined, application: string | undefined): EcsEvent['network'] | undefined {
  const out: NonNullable<EcsEvent['network']> = {};
  if (ipProto !== undefined && ipProto > 0) {
    const transport = TRANSPORTS[ipProto];
    if (transport) out.transport = transport;
    out.iana_number = String(ipProto);
  }
  if (application) out.protocol = application.toLowerCase();
  return Object.keys(out).length ? out : undefined;
}

/** One side of a connection or the workload of an event. */
export interface Workload { id?: string; name?: string; domain?: string; image?: string; service?: string }

export function workload(nv: Fields, prefix: string): Workload {
  const keys = workloadKeys(prefix);
  return {
    id: str(nv, keys.id),
    name: str(nv, keys.name),
    domain: str(nv, keys.domain),
    image: str(nv, keys.image),
    service: str(nv, keys.service),
  };
}

type WorkloadKeys = Record<keyof Workload, string>;
const WORKLOAD_KEYS = new Map<string, WorkloadKeys>();

/**
 * The five keys of a prefix, made once: a key built per read is a new string each time, and V8
 * must look every such string up in its string table before it can read the property.
 */
function workloadKeys(prefix: string): WorkloadKeys {
  let keys = WORKLOAD_KEYS.get(prefix);
  if (keys === undefined) {
    keys = { id: `${prefix}id`, name: `${prefix}name`, domain: `${prefix}domain`, image: `${prefix}image`, service: `${prefix}service` };
    WORKLOAD_KEYS.set(prefix, keys);
  }
  return keys;
}

/**
 * A workload is a container when NeuVector knows its image; `external`, `Host:<node>`,
 * `Workload:<ip>` and `nv.ip.<svc>` endpoints have none.
 */
export function isContainer(w: Workload): boolean {
  return w.image !== undefined && w.id !== undefined;
}

export function container(w: Workload): EcsEvent['container'] | undefined {
  if (!w.id && !w.name && !w.image) return undefined;
  const out: NonNullable<EcsEvent['container']> = {};
  if (w.id) out.id = w.id;
  if (w.name) out.name = w.name;
  // Admission requests list several images as "a, b": that is no single image name.
  if (w.image && !w.image.includes(', ')) out.image = { name: w.image };
  return Object.keys(out).length ? out : undefined;
}

/** Joins the parts that are present. */
export function joined(separator: string, ...parts: (string | undefined | false)[]): string {
  let out: string | undefined;
  for (const part of parts) {
    if (typeof part === 'string' && part !== '') out = out === undefined ? part : out + separator + part;
  }
  return out ?? '';
}

/** What one dataset's mapper decides; the fields every NeuVector event shares are filled around it. */
export interface Mapping {
  /** ECS event.kind where it is not the dataset's default (alert for violation, threat, incident; else event). */
  kind?: 'alert' | 'event' | 'state';
  category: string[];
  type: string[];
  action?: string;
  outcome?: 'success' | 'failure' | 'unknown';
  /** NeuVector's message, or a readable summary where it sends none. */
  message: string;
  /** The Kubernetes namespace the event is about. */
  namespace?: string;
  resource?: { type: string; name: string };
  /** The workload the event is about, which may be a Kubernetes pod (see pod-owner.ts). */
  workload?: Workload;
  /** The dataset's own ECS field sets (container, process, source ...). */
  ecs: EcsEvent;
}
