import type { EcsEvent, Endpoint } from '../kit/ecs.ts';
import { cefSeverity } from './severity.ts';
import { typedExtensions, type ExtensionValue } from './extension-types.ts';
import { categorise } from './categorise.ts';

// CEF → ECS, named as Elastic's CEF integration names it (beats decode_cef keys.ecs.go): cef.* keeps
// the record with the extension keys under their full dictionary names, the ECS fields below are the
// mappings analysts and detection rules search on. They read the typed extensions, so a key sent
// under its short name (`src`) or its full name (`sourceAddress`) maps the same way.

const PORT_MAX = 65_535;
const DIRECTION = new Map([[0, 'inbound'], [1, 'outbound']]);

type Extensions = Record<string, ExtensionValue>;

export function cefEvent(header: string[], pairs: Map<string, string>, receivedAt: number): EcsEvent {
  const [version, vendor, product, deviceVersion, eventClassId, name, severityText] = header;
  const ext = typedExtensions(pairs, receivedAt);
  const event: EcsEvent = {};

  const timestamp = text(ext, 'deviceReceiptTime');
  if (timestamp !== undefined) event['@timestamp'] = timestamp;
  event.message = text(ext, 'message') ?? name;

  const severity = cefSeverity(severityText);
  const ev: NonNullable<EcsEvent['event']> = { kind: 'event', module: 'cef', dataset: 'cef.log' };
  if (eventClassId !== '') ev.code = eventClassId;
  if (severity !== undefined) ev.severity = severity.severity;
  const action = text(ext, 'deviceAction');
  if (action !== undefined) ev.action = action;
  const outcome = text(ext, 'eventOutcome')?.toLowerCase();
  if (outcome === 'success' || outcome === 'failure') ev.outcome = outcome;
  const start = text(ext, 'startTime');
  if (start !== undefined) ev.start = start;
  const end = text(ext, 'endTime');
  if (end !== undefined) ev.end = end;
  event.event = ev;
  if (severity !== undefined) event.log = { level: severity.level };

  event.observer = compact({ vendor, product, version: deviceVersion, hostname: text(ext, 'deviceHostName') });
  event.rule = compact({ id: eventClassId, name });
  assignIfAny(event, 'source', endpoint(ext, 'source'));
  assignIfAny(event, 'destination', endpoint(ext, 'destination'));
  // dproc (destinationProcessName) is where CEF senders such as Falco's put the process when
  // they have no deviceProcessName; Elastic reads deviceProcessName only.
  const process: NonNullable<EcsEvent['process']> = compact({ name: text(ext, 'deviceProcessName') ?? text(ext, 'destinationProcessName') });
  const pid = ext.deviceProcessId;
  if (typeof pid === 'number') process.pid = pid;
  assignIfAny(event, 'process', process);
  assignIfAny(event, 'network', network(ext));
  assignIfAny(event, 'file', compact({ name: text(ext, 'filename'), path: text(ext, 'filePath') }));
  assignIfAny(event, 'url', compact({ original: text(ext, 'requestUrl') }));
  const method = text(ext, 'requestMethod');
  if (method !== undefined) event.http = { request: { method } };
  const userAgent = text(ext, 'requestClientApplication');
  if (userAgent !== undefined) event.user_agent = { original: userAgent };

  const { category, type } = categorise(event, ext);
  ev.category = category;
  ev.type = type;

  event.cef = {
    version,
    device: { vendor, product, version: deviceVersion, event_class_id: eventClassId },
    name,
    severity: severityText,
    extensions: ext,
  };
  return event;
}

function endpoint(ext: Extensions, side: 'source' | 'destination'): Endpoint {
  const result: Endpoint = {};
  const ip = text(ext, `${side}Address`);
  if (ip !== undefined) result.ip = ip; // typed: only a valid address is kept
  const port = ext[`${side}Port`];
  if (typeof port === 'number' && port >= 0 && port <= PORT_MAX) result.port = port;
  const domain = text(ext, `${side}HostName`);
  if (domain !== undefined) result.domain = domain;
  const user = compact({ name: text(ext, `${side}UserName`), id: text(ext, `${side}UserId`) });
  if (Object.keys(user).length > 0) result.user = user;
  return result;
}

function network(ext: Extensions): NonNullable<EcsEvent['network']> {
  const out: NonNullable<EcsEvent['network']> = {};
  const direction = ext.deviceDirection;
  if (typeof direction === 'number' && DIRECTION.has(direction)) out.direction = DIRECTION.get(direction);
  const proto = text(ext, 'transportProtocol');
  // Some senders (Check Point) put the IANA protocol number here rather than its name.
  if (proto !== undefined) {
    if (/^\d{1,3}$/.test(proto)) out.iana_number = proto;
    else out.transport = proto.toLowerCase();
  }
  const application = text(ext, 'applicationProtocol');
  if (application !== undefined) out.protocol = application.toLowerCase();
  return out;
}

/** A string extension, undefined when absent (typed extensions hold no empty strings). */
function text(ext: Extensions, name: string): string | undefined {
  const value = ext[name];
  return typeof value === 'string' ? value : undefined;
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
