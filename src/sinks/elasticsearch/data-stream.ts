import { SECURITY_DATASETS } from '../../telemetry/security-events.ts';

/**
 * Elastic's data stream naming scheme, `<type>-<dataset>-<namespace>`, as Elastic's own
 * integrations write: one data stream per dataset, so each dataset has its own mappings, retention
 * and rollover, and Elastic's dashboards and rules for a source (`logs-falco.alerts-*`) find
 * vigil's documents. Every document also says its stream in `data_stream.*`.
 * https://www.elastic.co/guide/en/ecs/current/ecs-data_stream.html
 */

export const DATA_STREAM_TYPE = 'logs';

/**
 * A namespace as the scheme allows it: lowercase, no '-' (it separates the parts), none of
 * `\ / * ? " < > | , # :` or spaces, at most 100 bytes.
 */
export const NAMESPACE_PATTERN = /^[a-z0-9_.]{1,100}$/;

/**
 * The dataset part: event.dataset lowercased, every character the scheme forbids (and '-')
 * replaced by '_', at most 100 characters. Parsers name their datasets within these rules; this
 * only keeps an index name valid whatever reaches it.
 */
export function datasetPart(dataset: string): string {
  return dataset.toLowerCase().replace(/[^a-z0-9_.]/g, '_').slice(0, 100) || 'unknown';
}

export function dataStreamName(dataset: string, namespace: string): string {
  return `${DATA_STREAM_TYPE}-${datasetPart(dataset)}-${namespace}`;
}

/**
 * The index patterns of vigil's index template: one per dataset the parsers produce, every
 * namespace. Exactly vigil's datasets, not `logs-*-*`, so the template never takes over another
 * integration's data streams (`logs-kubernetes.container_logs-*`, say).
 */
export function templatePatterns(): string[] {
  return [...SECURITY_DATASETS].map((dataset) => `${DATA_STREAM_TYPE}-${datasetPart(dataset)}-*`).sort();
}
