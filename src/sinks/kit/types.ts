/**
 * The contract between the shared deliver worker and every sink. Sinks know nothing about BullMQ:
 * they turn events into requests and classify each answer per event.
 */

/** One normalised event as a sink receives it: the few fields sinks route on, and the whole event as JSON text. */
export interface SinkEvent {
  /** event.id: deterministic, used as Elasticsearch _id. */
  id: string;
  /** @timestamp (ISO 8601, may carry nanoseconds). */
  timestamp: string;
  /** event.dataset, e.g. neuvector.violation. */
  dataset: string;
  /** event.module, e.g. neuvector. */
  module: string;
  /** log.level (syslog severity names). */
  level: string;
  /** orchestrator.cluster.name, orchestrator.namespace when the source says them. */
  cluster?: string;
  namespace?: string;
  /** observer.hostname or host.hostname: the reporting host. */
  host?: string;
  /** vigil.workload.key (parsers/kit/workload.ts): Loki carries it as structured metadata. */
  workload?: string;
  /** The whole ECS event, serialised losslessly (integers beyond 2^53 keep every digit). */
  json: string;
}

export const RETRY_REASONS = ['rate_limited', 'unavailable', 'server_error', 'network', 'timeout', 'unauthorized'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];
export const DEAD_REASONS = ['mapping_error', 'rejected', 'too_large', 'bad_request', 'conflict'] as const;
export type DeadReason = (typeof DEAD_REASONS)[number];

/** The verdict on one event after one attempt. */
export type Outcome =
  | { kind: 'ok' }
  /** Try again later; `afterMs` honours the backend's Retry-After when it gave one. */
  | { kind: 'retry'; reason: RetryReason; afterMs?: number; detail?: string }
  /** Never retry: goes to the sink's dead-letter queue with the backend's answer. */
  | { kind: 'dead'; reason: DeadReason; detail: string };

export const OK: Outcome = { kind: 'ok' };

export interface Sink {
  /** Sink name as configured ('elasticsearch', 'splunk-hec', 'loki', 'file'). */
  readonly name: string;
  /** One-time setup before the first send (index template, directories). May throw: vigil then retries later. */
  start?(): Promise<void>;
  /**
   * Deliver a batch; return exactly one outcome per event, in order. Split into several requests
   * when the backend's limits demand it. May throw for a whole-batch transport failure, which the
   * deliver worker treats as a retry of every event.
   */
  send(events: SinkEvent[]): Promise<Outcome[]>;
  close?(): Promise<void>;
}
