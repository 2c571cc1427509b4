import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BUILD_INFO } from '../telemetry/build-info.ts';
import { SecurityEventCounter, type KnownLabelValues, type SecurityCounts } from '../telemetry/security-events.ts';
import { DEAD_REASONS, RETRY_REASONS } from '../sinks/kit/types.ts';

/** Bounded reasons an event is dropped at a listener; pre-initialised so dashboards see zeros. */
export const DROP_REASONS = [
  'queue_unavailable', 'too_large', 'rate_limited', 'connection_limit', 'backpressure', 'invalid_frame',
  // Access control and limits (listen.allow_cidrs, listen.max_connections_per_peer, listen.max_json_depth).
  'denied', 'peer_connection_limit', 'json_too_deep',
  // listen.http_max_items_per_request, and TLS client certificates that fail verification.
  'too_many_items', 'bad_client_certificate',
  // UDP: datagrams the kernel dropped because the socket's receive buffer was full.
  'receive_buffer',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * All of vigil's metrics, one instance per process (tests make their own). Names follow
 * vigil_<noun>_<unit>_total; labels stay low-cardinality (listener, format, sink, queue, reason).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly received = new Counter({
    name: 'vigil_events_received_total', help: 'Messages framed by a listener or accepted by a webhook route.',
    labelNames: ['listener'] as const, registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'vigil_events_dropped_total', help: 'Messages a listener dropped, by reason.',
    labelNames: ['listener', 'reason'] as const, registers: [this.registry],
  });
  readonly truncated = new Counter({
    name: 'vigil_events_truncated_total', help: 'Messages cut at the configured maximum length and tagged truncated.',
    labelNames: ['listener'] as const, registers: [this.registry],
  });
  readonly stored = new Counter({
    name: 'vigil_events_stored_total', help: 'Raw events written to Redis in ingest batches.',
    registers: [this.registry],
  });
  readonly parsed = new Counter({
    name: 'vigil_events_parsed_total', help: 'Normalised events produced, by format.',
    labelNames: ['format'] as const, registers: [this.registry],
  });
  readonly parseFailed = new Counter({
    name: 'vigil_events_parse_failed_total', help: 'Events forwarded with the parse_failure tag, by format.',
    labelNames: ['format'] as const, registers: [this.registry],
  });
  readonly securityEvents = new Counter({
    name: 'vigil_security_events_total',
    help: 'Normalised events by dataset, severity (log.level), cluster and namespace; cluster and namespace values not listed in labels.clusters and labels.namespaces count as _other.',
    labelNames: ['dataset', 'severity', 'cluster', 'namespace'] as const, registers: [this.registry],
  });
  readonly redelivered = new Counter({
    name: 'vigil_events_redelivered_total', help: 'Copies of source-identified events already received (a sender retry), dropped.',
    registers: [this.registry],
  });
  readonly forwarded = new Counter({
    name: 'vigil_events_forwarded_total', help: 'Events a sink accepted.',
    labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'vigil_events_retried_total', help: 'Events scheduled for another delivery attempt, by reason.',
    labelNames: ['sink', 'reason'] as const, registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'vigil_events_failed_total', help: 'Events a sink rejected for good, moved to its dead-letter queue, by reason.',
    labelNames: ['sink', 'reason'] as const, registers: [this.registry],
  });
  readonly filtered = new Counter({
    name: 'vigil_events_filtered_total', help: 'Events a sink\'s filter left out (never queued for it), by reason.',
    labelNames: ['sink', 'reason'] as const, registers: [this.registry],
  });
  readonly replicaShortfalls = new Counter({
    name: 'vigil_redis_replica_ack_shortfalls_total', help: 'Batches fewer than redis.min_replicas_ack replicas confirmed in time: reported to their senders as not stored.',
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'vigil_queue_depth_jobs', help: 'Jobs (batches) waiting or delayed per queue.',
    labelNames: ['queue'] as const, registers: [this.registry],
  });
  readonly sinkHalted = new Gauge({
    name: 'vigil_sink_halted', help: '1 while a sink is halted because its backend refused our credentials (401/403).',
    labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly dlqDepth = new Gauge({
    name: 'vigil_dlq_depth_events', help: 'Events held in a sink dead-letter queue.',
    labelNames: ['sink'] as const, registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'vigil_connections_open', help: 'Open TCP/TLS connections per listener.',
    labelNames: ['listener'] as const, registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'vigil_webhook_auth_failures_total', help: 'Webhook requests refused for missing or wrong credentials (401), by route.',
    labelNames: ['route'] as const, registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'vigil_http_requests_total', help: 'Webhook requests by route and status code.',
    labelNames: ['route', 'status'] as const, registers: [this.registry],
  });
  readonly deliverSeconds = new Histogram({
    name: 'vigil_sink_request_seconds', help: 'Time a sink took to deliver one batch attempt.',
    labelNames: ['sink'] as const, buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  // TLS certificates (syslog TLS and HTTPS), reloaded without restart.
  readonly tlsReloads = new Counter({
    name: 'vigil_tls_reloads_total', help: 'Certificate reloads per TLS listener; result failed keeps the previous certificate.',
    labelNames: ['listener', 'result'] as const, registers: [this.registry],
  });
  readonly tlsCertExpiry = new Gauge({
    name: 'vigil_tls_certificate_expiry_timestamp_seconds', help: 'notAfter of the certificate a TLS listener serves, as a Unix time.',
    labelNames: ['listener'] as const, registers: [this.registry],
  });
  readonly rateLimitPeers = new Gauge({
    name: 'vigil_rate_limit_peers', help: 'Source addresses whose events-per-second bucket is held in memory, per listener.',
    labelNames: ['listener'] as const, registers: [this.registry],
  });

  // Always 1: the labels carry the information (the Prometheus convention for *_build_info).
  // Its presence also tells a vigil target from any other, whatever the scrape job is called.
  readonly buildInfo = new Gauge({
    name: 'vigil_build_info', help: 'Always 1; labels: the vigil version (package.json) and the Node.js version running it.',
    labelNames: ['version', 'node_version'] as const, registers: [this.registry],
  });

  readonly #security: SecurityEventCounter;

  /** `securityLabels`: the clusters and namespaces kept as label values (labels.* in the config; default none). */
  constructor(options: { defaultMetrics?: boolean; securityLabels?: KnownLabelValues } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'vigil_' });
    this.buildInfo.set({ ...BUILD_INFO }, 1);
    this.#security = new SecurityEventCounter(this.securityEvents, options.securityLabels ?? { clusters: [], namespaces: [] });
  }

  /** Adds one processed batch's security-event counts (summed on the processing thread). */
  countSecurityEvents(counts: SecurityCounts): void {
    this.#security.add(counts);
  }

  // Labelled series start at zero so rates and alerts work from the first event: a counter series
  // that first appears at 1 has no increase() in Prometheus, so the first drops, dead letters or
  // parse failures would never alert.

  initListener(listener: string): void {
    this.received.inc({ listener }, 0);
    this.truncated.inc({ listener }, 0);
    for (const reason of DROP_REASONS) this.dropped.inc({ listener, reason }, 0);
  }

  initSink(sink: string): void {
    this.forwarded.inc({ sink }, 0);
    this.sinkHalted.set({ sink }, 0);
    for (const reason of RETRY_REASONS) this.retried.inc({ sink, reason }, 0);
    // A retry budget spent is a dead letter too (deliver-worker.ts).
    for (const reason of [...DEAD_REASONS, 'retries_exhausted']) this.deadLettered.inc({ sink, reason }, 0);
  }

  /** A sink with a filter: its filtered counters at zero, one per reason the filter can give. */
  initFiltered(sink: string, reasons: readonly string[]): void {
    for (const reason of reasons) this.filtered.inc({ sink, reason }, 0);
  }

  initFormat(format: string): void {
    this.parsed.inc({ format }, 0);
    this.parseFailed.inc({ format }, 0);
  }
}
