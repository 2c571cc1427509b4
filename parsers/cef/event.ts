import { isIP } from 'node:net';
import type { EcsEvent, Endpoint } from '../ecs.ts';
import { cefSeverity } from './severity.ts';
import { cefTime } from './timestamp.ts';
import { typedExtensions } from './extension-types.ts';

// CEF → ECS, named as Elastic's CEF integration names it: cef.* keeps the record, the ECS fields
// below are the mappings analysts and detection rules search on.

const PORT = /^\d{1,5}$/;
const PORT_MAX = 65_535;

export function cefEvent(header: string[], pairs: Map<string, string>, receivedAt: number): EcsEvent {
  const [version, vendor, product, deviceVersion, eventClassId, name, severityText] = header;
  const event: EcsEvent = {};

  const rt = pairs.get('rt');
  const timestamp = rt === undefined ? undefined : cefTime(rt, receivedAt);
  if (timestamp !== undefined) event['@timestamp'] = timestamp;
  event.message = pairs.get('msg') ?? name;

  const severity = cefSeverity(severityText);
  const ev: NonNullable<EcsEvent['event']> = { kind: 'event', module: 'cef', dataset: 'cef.log' };
  if (severity !== undefined) ev.severity = severity.severity;
  const action = nonEmpty(pairs.get('act'));
  if (action !== undefined) ev.action = action;
  const outcome = pairs.get('outcome')?.toLowerCase();
  if (outcome === 'success' || outcome === 'failure') ev.outcome = outcome;
  event.event = ev;
  if (severity !== undefined) event.log = { level: severity.level };

  event.observer = compact({ vendor, product, version: deviceVersion, hostname: pairs.get('dvchost') });
  event.rule = compact({ id: eventClassId, name });
  assignIfAny(event, 'source', endpoint(pairs, 'src', 'spt', 'shost', 'suser'));
  assignIfAny(event, 'destination', endpoint(pairs, 'dst', 'dpt', 'dhost', 'duser'));
  assignIfAny(event, 'process', compact({ name: pairs.get('dproc') }));
  assignIfAny(event, 'file', compact({ name: pairs.get('fname'), path: pairs.get('filePath') }));
  assignIfAny(event, 'url', compact({ original: pairs.get('request') }));

  event.cef = {
    version,
    device: { vendor, product, version: deviceVersion, event_class_id: eventClassId },
    name,
    severity: severityText,
    extensions: typedExtensions(pairs),
  };
  return event;
}

function endpoint(pairs: Map<string, string>, ipKey: string, portKey: string, hostKey: string, userKey: string): Endpoint {
  const result: Endpoint = {};
  const ip = pairs.get(ipKey)?.trim();
  if (ip !== undefined && isIP(ip) !== 0) result.ip = ip;
  const port = portNumber(pairs.get(portKey));
  if (port !== undefined) result.port = port;
  const domain = nonEmpty(pairs.get(hostKey));
  if (domain !== undefined) result.domain = domain;
  const user = nonEmpty(pairs.get(userKey));
  if (user !== undefined) result.user = { name: user };
  return result;
}

function portNumber(value: string | undefined): number | undefined {
  if (value === undefined || !PORT.test(value)) return undefined;
  const port = Number(value);
  return port <= PORT_MAX ? port : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The object without its undefined or empty-string members. */
function compact<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const key of Object.keys(fields) as (keyof T)[]) {
    const value = fields[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function assignIfAny(event: EcsEvent, field: string, value: object): void {
  if (Object.keys(value).length > 0) event[field] = value;
}
