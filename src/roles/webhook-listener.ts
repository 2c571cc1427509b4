import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import { resolveWebhookAuth } from '../config/webhook-auth.ts';
import { createAllowlist } from '../ingest/access/allowlist.ts';
import { rateLimiterFor } from '../ingest/access/rate-limit.ts';
import { bind } from '../ingest/bind.ts';
import { createHttpApp, setHttpsContext } from '../ingest/http/app.ts';
import { readPem, recordExpiry } from '../ingest/tls-context.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Submit } from '../pipeline/submit.ts';
import type { Certificates } from './certificates.ts';

export interface WebhookListenerDeps {
  metrics: Metrics;
  logger: Logger;
  ready: () => boolean;
  /** Where webhooks go; undefined until Redis is reached (they get 503 + Retry-After until then). */
  submit: () => Submit | undefined;
}

/** The webhook listener, bound; undefined when listen.http_port is null. A port in use fails here. */
export async function startWebhookListener(config: Config, deps: WebhookListenerDeps): Promise<FastifyInstance | undefined> {
  const { listen } = config;
  if (listen.http_port === null) return undefined;
  const { metrics, logger, ready } = deps;
  const { cert, key, ca, client_auth: clientAuth } = listen.http_tls;
  const pem = cert && key ? readPem('listen.http_tls', { cert, key, ca }) : undefined;
  const app = createHttpApp({
    submit: (events) => deps.submit()?.(events) ?? Promise.reject(new Error('vigil is starting: Redis not reached yet')),
    metrics,
    logger,
    bodyLimit: listen.http_body_limit_bytes,
    auth: { routes: resolveWebhookAuth(config.webhooks, listen.http_tls).routes },
    allow: createAllowlist(listen.allow_cidrs.http),
    rateLimit: rateLimiterFor(listen.rate_limit),
    maxJsonDepth: listen.max_json_depth,
    maxItemsPerRequest: listen.http_max_items_per_request,
    requestTimeoutMs: listen.http_request_timeout_ms,
    connectionTimeoutMs: listen.http_connection_timeout_ms,
    tlsHandshakeTimeoutMs: listen.tls_handshake_timeout_ms,
    maxConnections: listen.max_connections,
    maxConnectionsPerPeer: listen.max_connections_per_peer,
    // Per-route mtls needs the certificate asked for even when client_auth is optional: routes decide.
    https: pem && { ...pem, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
    ready,
  });
  try {
    await bind('http_port', listen.host, listen.http_port, () => app.listen({ host: listen.host, port: listen.http_port! }));
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  if (pem && cert && key) recordExpiry(metrics, 'http', pem.cert);
  return app;
}

/** Once the pipeline runs: the listener's address, and its certificate reloaded when the files change. */
export function watchWebhookListener(config: Config, app: FastifyInstance, certificates: Certificates): AddressInfo {
  const { cert, key, ca } = config.listen.http_tls;
  if (cert && key) certificates.watch('http', { cert, key, ca }, (next) => setHttpsContext(app, next));
  return app.server.address() as AddressInfo;
}
