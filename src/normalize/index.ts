import { hash } from 'node:crypto';
import { formats } from '../../parsers/index.ts';
import type { EcsEvent } from '../../parsers/kit/ecs.ts';
import type { ParseResult } from '../../parsers/kit/result.ts';
import { fromSyslogCode, LEVELS } from '../../parsers/kit/severity.ts';
import { fillRelated } from '../../parsers/kit/related.ts';
import { workloadKey } from '../../parsers/kit/workload.ts';
import type { ClientIdentity, RawEvent } from './raw-event.ts';
import { decimalMillis, isoFromMillis } from './iso-time.ts';

export const ECS_VERSION = '8.17.0';

/**
 * Marks events whose id comes from the source's own identity (a Kubernetes auditID + stage, an
 * Alertmanager fingerprint + status + start, a Falcosidekick uuid): a second copy of such an
 * event is a redelivery, which the process stage drops. A symbol, so JSON never carries it.
 */
export const SOURCE_IDENTITY = Symbol('vigil.sourceIdentity');

export function hasSourceIdentity(event: EcsEvent): boolean {
  return (event as Record<symbol, unknown>)[SOURCE_IDENTITY] === true;
}

/**
 * Raw input → normalised ECS events (one, or one per item where the source batches). Never throws:
 * whatever does not parse is still returned, with its original text and the parse_failure tag.
 */
export function normalize(raw: RawEvent): EcsEvent[] {
  const format = formats.get(raw.format);
  let result: ParseResult;
  try {
    result = format
      ? format.parse(raw.text, { receivedAt: raw.receivedAt })
      : { ok: false, reason: `no parser for format "${raw.format}"` };
  } catch (error) {
    // A parser must not throw; if one does, the event still goes out, tagged.
    result = { ok: false, reason: `parser crashed: ${(error as Error)?.message ?? String(error)}` };
  }
  const events = result.ok ? result.events : [failed(raw, result.reason, result.partial)];
  // A body of many items: its text is hashed once, not once per item (80,000 items of a 240 KB
  // body would hash 19 GB and hold a processing thread for a minute).
  const received = events.length > 1 ? hash('sha256', raw.text, 'hex') : raw.text;
  return events.map((event, index) => finish(raw, event, index, received));
}

/**
 * The event for input that could not be parsed at all, built without running a parser: for input
 * that made the parsing thread itself die (out of memory, say).
 */
export function unparsed(raw: RawEvent, reason: string): EcsEvent {
  return finish(raw, failed(raw, reason, undefined), 0, raw.text);
}

function failed(raw: RawEvent, reason: string, partial: EcsEvent | undefined): EcsEvent {
  const event: EcsEvent = { ...partial };
  event.tags = [...(event.tags ?? []), 'parse_failure'];
  event.error = { ...event.error, message: reason, type: 'parse_failure' };
  event.message ??= raw.text;
  return event;
}

/**
 * Fills the fields every event carries, whatever its source. `received` stands for what was
 * received in the id: the raw text, or its digest when the text holds several events.
 */
function finish(raw: RawEvent, event: EcsEvent, index: number, received: string): EcsEvent {
  const created = isoFromMillis(raw.receivedAt);
  const ev = (event.event ??= {});
  const module = ev.module ?? raw.format;
  // A source-given identity (k8s auditID+stage, ...) makes redeliveries of the same event share an id;
  // otherwise the id is a function of where, when and what vigil received.
  if (ev.id !== undefined) (event as Record<symbol, unknown>)[SOURCE_IDENTITY] = true;
  const seed = ev.id !== undefined
    ? `${module}\u0000${ev.id}`
    : `${raw.listener}\u0000${raw.peer}\u0000${decimalMillis(raw.receivedAt)}\u0000${index}\u0000${received}`;
  ev.id = hash('sha256', seed, 'hex').slice(0, 32);
  ev.original ??= raw.text;
  ev.created = created;
  ev.kind ??= 'event';
  ev.module = module;
  // A data stream name's dataset part holds no '-' (Elastic's data stream naming scheme).
  ev.dataset ??= `${module.replaceAll('-', '_')}.log`;
  const syslogCode = event.log?.syslog?.severity?.code;
  if (ev.severity === undefined && syslogCode !== undefined) ev.severity = fromSyslogCode(syslogCode).severity;
  const log = (event.log ??= {});
  if (log.level === undefined && ev.severity !== undefined) log.level = LEVELS[7 - Math.min(7, Math.max(0, ev.severity))];
  log.source = { address: raw.peer };
  event['@timestamp'] ??= created;
  event.input = { type: raw.input };
  if (raw.client) event.tls = { client: clientFields(raw.client) };
  if (raw.tags?.length || event.tags?.length) event.tags = [...new Set([...(raw.tags ?? []), ...(event.tags ?? [])])];
  if (raw.cluster && !event.orchestrator?.cluster?.name) (event.orchestrator ??= {}).cluster = { name: raw.cluster };
  fillRelated(event);
  const workload = workloadKey(event);
  if (workload) event.vigil = { workload: { key: workload } };
  event.ecs = { version: ECS_VERSION };
  return event;
}

/** ECS tls.client.* of a verified client certificate. */
function clientFields(client: ClientIdentity): NonNullable<NonNullable<EcsEvent['tls']>['client']> {
  const x509: { subject?: { common_name?: string[] }; alternative_names?: string[] } = {};
  if (client.commonName !== undefined) x509.subject = { common_name: [client.commonName] };
  if (client.alternativeNames) x509.alternative_names = client.alternativeNames;
  return { subject: client.subject, x509 };
}
