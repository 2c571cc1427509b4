/**
 * Defaults of the webhook listener's limits, shared by the app and the config schema.
 *
 * Items (events) one body may hold. Real senders stay far below it: Falco and NeuVector post one
 * alert per request, the Kubernetes API server batches at most 400 audit events by default
 * (--audit-webhook-batch-max-size), and an Alertmanager notification holds one group's alerts.
 * A full 1 MiB body of real events (~0.3-3 KB each) holds a few thousand at most, while one of
 * `{}` lines holds 349,000: the cap stops that multiplication, not real batches.
 */
export const DEFAULT_MAX_ITEMS_PER_REQUEST = 10_000;

/** A request (headers and body) must be received whole within this: bounds slow-body (slowloris) senders. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** A connection that sends nothing for this long is closed (between requests the keep-alive timeout applies). */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 30_000;
