import type { Counter } from 'prom-client';
import type { EcsEvent } from '../../parsers/kit/ecs.ts';
import { formats } from '../../parsers/index.ts';
import { LEVELS } from '../../parsers/kit/severity.ts';

/**
 * vigil_security_events_total{dataset, severity, cluster, namespace}: normalised events counted by
 * what a security team charts. Labels must stay bounded whatever senders write: dataset and
 * severity come from fixed sets, cluster and namespace from the configured lists (`labels.*`);
 * any other value counts as OVERFLOW_LABEL. Never first come, first served: whoever can send an
 * event could fill the set with forged names and push the real cluster into OVERFLOW_LABEL.
 */

/**
 * Every dataset the formats declare, and `<format>.log` of a body no parser understood (the name
 * normalize gives an event without a dataset, '-' as '_' as in a data stream name).
 */
export const SECURITY_DATASETS: ReadonlySet<string> = new Set(
  [...formats.values()].flatMap((format) => [...format.datasets, `${format.name.replaceAll('-', '_')}.log`]),
);

/** Label value for a dataset outside the fixed set, and for clusters or namespaces beyond the limit. */
export const OVERFLOW_LABEL = '_other';
/** A severity that is not one of log.level's names (an event without a severity). */
export const UNKNOWN_SEVERITY = 'unknown';
/** Longest cluster or namespace label value kept (a Kubernetes name is at most 253 characters). */
const MAX_VALUE_LENGTH = 253;
const SEPARATOR = '\u0000';
const SEVERITIES: ReadonlySet<string> = new Set(LEVELS);

/** Security-event counts of one batch, by label tuple (see securityKey): summed where the events are normalised. */
export type SecurityCounts = Record<string, number>;

/** The label tuple of one normalised event as one string key, cheap to count and to send between threads. */
export function securityKey(event: EcsEvent): string {
  const dataset = event.event?.dataset;
  const level = event.log?.level;
  return [
    dataset !== undefined && SECURITY_DATASETS.has(dataset) ? dataset : OVERFLOW_LABEL,
    level !== undefined && SEVERITIES.has(level) ? level : UNKNOWN_SEVERITY,
    labelValue(event.orchestrator?.cluster?.name),
    labelValue(event.orchestrator?.namespace),
  ].join(SEPARATOR);
}

function labelValue(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_VALUE_LENGTH) : '';
}

export function addCounts(into: SecurityCounts, counts: SecurityCounts): void {
  for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n;
}

/** The configured cluster and namespace values: the only ones kept as label values. */
export interface KnownLabelValues {
  clusters: readonly string[];
  namespaces: readonly string[];
}

/** A label value: '' for none, the value when it is configured, else OVERFLOW_LABEL. */
export function knownOrOther(value: string | undefined, known: ReadonlySet<string>): string {
  if (value === undefined || value === '') return '';
  return known.has(value) ? value : OVERFLOW_LABEL;
}

/** Adds batches' counts to the counter, with cluster and namespace values from the configured lists only. */
export class SecurityEventCounter {
  readonly #counter: Counter<'dataset' | 'severity' | 'cluster' | 'namespace'>;
  readonly #clusters: ReadonlySet<string>;
  readonly #namespaces: ReadonlySet<string>;

  constructor(counter: Counter<'dataset' | 'severity' | 'cluster' | 'namespace'>, known: KnownLabelValues) {
    this.#counter = counter;
    this.#clusters = new Set(known.clusters);
    this.#namespaces = new Set(known.namespaces);
  }

  add(counts: SecurityCounts): void {
    for (const [key, n] of Object.entries(counts)) {
      if (!(n > 0)) continue;
      const [dataset, severity, cluster, namespace] = key.split(SEPARATOR);
      this.#counter.inc({ dataset, severity, cluster: knownOrOther(cluster, this.#clusters), namespace: knownOrOther(namespace, this.#namespaces) }, n);
    }
  }
}
