import type { EcsEvent } from '../../parsers/kit/ecs.ts';
import type { SinkEvent } from '../sinks/kit/types.ts';

/**
 * The routing fields every sink may need, lifted once so sinks never parse the event again.
 * `ingested` (ISO 8601, one per batch) becomes event.ingested: when vigil processed the event,
 * which Elastic's integrations stamp in their ingest pipelines.
 */
export function toSinkEvent(event: EcsEvent, ingested: string): SinkEvent {
  const ev = (event.event ??= {});
  ev.ingested = ingested;
  const sinkEvent: SinkEvent = {
    id: ev.id ?? '',
    timestamp: event['@timestamp'] ?? ev.created ?? new Date().toISOString(),
    dataset: ev.dataset ?? 'unknown',
    module: ev.module ?? 'unknown',
    level: event.log?.level ?? 'info',
    // JSON.stringify writes JSON.rawJSON values (integers beyond 2^53) digit for digit.
    json: JSON.stringify(event),
  };
  const cluster = event.orchestrator?.cluster?.name;
  const namespace = event.orchestrator?.namespace;
  const host = event.observer?.hostname ?? event.host?.hostname ?? event.host?.name;
  if (cluster) sinkEvent.cluster = cluster;
  if (namespace) sinkEvent.namespace = namespace;
  if (host) sinkEvent.host = host;
  const workload = (event.vigil as { workload?: { key?: string } } | undefined)?.workload?.key;
  if (workload) sinkEvent.workload = workload;
  return sinkEvent;
}
