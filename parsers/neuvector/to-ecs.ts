import type { EcsEvent } from '../kit/ecs.ts';
import { podFields } from '../kit/pod-owner.ts';
import { fromName } from '../kit/severity.ts';
import { auditMapping } from './ecs-audit.ts';
import { eventMapping } from './ecs-event.ts';
import { incidentMapping } from './ecs-incident.ts';
import { attackOf } from './attack.ts';
import { str, type Mapping } from './ecs-parts.ts';
import { eventTime } from './event-time.ts';
import { threatMapping } from './ecs-threat.ts';
import { violationMapping } from './ecs-violation.ts';
import type { Fields } from './fields.ts';
import type { NotificationType } from './schema.ts';

const MAPPERS: Record<NotificationType, (nv: Fields) => Mapping> = {
  violation: violationMapping,
  threat: threatMapping,
  incident: incidentMapping,
  audit: auditMapping,
  event: eventMapping,
  activity: eventMapping,
};

/** neuvector.<notification type>, and neuvector.log for a type this parser does not know. */
export const DATASETS = [...Object.keys(MAPPERS), 'log'].map((type) => `neuvector.${type}`);

const ALERTS = new Set<string>(['violation', 'threat', 'incident']);

/**
 * NeuVector's typed fields → the normalised event. `dataset` is the notification type (or
 * undefined for one this parser does not know, mapped as a plain event); `nv` is kept whole under
 * `neuvector.*`.
 */
export function toEcs(dataset: NotificationType | undefined, nv: Fields): EcsEvent {
  const mapping = (dataset ? MAPPERS[dataset] : eventMapping)(nv);
  const out: EcsEvent = {};
  const timestamp = eventTime(nv);
  if (timestamp) out['@timestamp'] = timestamp;
  out.message = mapping.message;
  const level = str(nv, 'level');
  const severity = level === undefined ? undefined : fromName(level);
  out.event = {
    kind: mapping.kind ?? (dataset && ALERTS.has(dataset) ? 'alert' : 'event'),
    category: mapping.category,
    type: mapping.type,
  };
  if (mapping.action) out.event.action = mapping.action;
  if (mapping.outcome) out.event.outcome = mapping.outcome;
  if (severity) out.event.severity = severity.severity;
  out.event.module = 'neuvector';
  out.event.dataset = `neuvector.${dataset ?? 'log'}`;
  if (severity) out.log = { level: severity.level };
  out.observer = { vendor: 'SUSE', product: 'NeuVector' };
  out.orchestrator = { type: 'kubernetes' };
  const cluster = str(nv, 'cluster_name');
  if (cluster) out.orchestrator.cluster = { name: cluster };
  if (mapping.namespace) out.orchestrator.namespace = mapping.namespace;
  // NeuVector's workload names are pod names; its host, external, IP and nv. group endpoints are not.
  const pod = mapping.resource ? undefined : podFields(mapping.workload?.name, mapping.workload?.domain);
  if (mapping.resource) out.orchestrator.resource = mapping.resource;
  else if (pod) out.orchestrator.resource = pod.resource;
  const hostName = str(nv, 'host_name');
  const hostId = str(nv, 'host_id');
  if (hostName || hostId) {
    // The node the enforcer runs on. hostname too: it is that node's hostname, and a syslog
    // envelope would otherwise put the sending controller pod there.
    out.host = {};
    if (hostName) {
      out.host.hostname = hostName;
      out.host.name = hostName;
    }
    if (hostId) out.host.id = hostId;
  }
  Object.assign(out, mapping.ecs);
  if (dataset === 'threat' || dataset === 'incident') {
    const threat = attackOf(dataset, str(nv, 'name'));
    if (threat) out.threat = threat;
  }
  if (pod) out.kubernetes = pod.kubernetes;
  // Scan reports name the image and layer by digest: ECS related.hash, so they join other sources' hashes.
  const hashes = [str(nv, 'image_id'), str(nv, 'image_layer_digest')].filter((h): h is string => h !== undefined);
  if (hashes.length) out.related = { hash: hashes };
  out.neuvector = nv;
  return out;
}
