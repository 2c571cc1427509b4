/**
 * Defaults of the listeners' limits: the config schema's defaults, and the listeners' when they
 * are given none.
 */

/**
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

/**
 * A connection that has not finished its TLS handshake after this long is closed (node's own
 * default is 120 s, and it only reports the timeout: vigil closes the socket). A real sender
 * completes a handshake in a few round trips.
 */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** listen.shutdown_grace_ms's default, and the listeners' when they are given none. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 2000;

/** listen.udp_receive_buffer_bytes's default: about 0.2 s of 40,000 datagrams/s of 1 KB. */
export const DEFAULT_UDP_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;
