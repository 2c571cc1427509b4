import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Submit } from '../../pipeline/submit.ts';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { createPeerConnections } from '../access/peer-connections.ts';
import { formatPeer } from '../peer.ts';
import { createLogThrottle } from '../log-throttle.ts';
import { MIN_TLS_VERSION, TLS_CIPHERS } from '../tls-policy.ts';
import { DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_MAX_ITEMS_PER_REQUEST, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS } from '../../config/listener-defaults.ts';
import type { AddressCheck } from '../access/allowlist.ts';
import type { RateLimiter } from '../access/rate-limit.ts';
import type { RouteAuth } from '../../config/webhook-auth.ts';
import { registerHealthRoutes } from '../../telemetry/health-routes.ts';
import { WEBHOOK_ROUTES } from '../../webhook-routes/index.ts';
import { HTTP_LISTENER, registerWebhook } from './webhook.ts';

export interface HttpAppOptions {
  submit: Submit;
  metrics: Metrics;
  /** Readiness for GET /readyz. */
  ready: () => boolean | Promise<boolean>;
  /** Shared secret for /ingest/*: Bearer header, ?token= or /ingest/<kind>/<token>. Shorthand for `auth.default` token. */
  webhookToken?: string;
  /** Auth per route kind, falling back to `default` (else webhookToken, else none). */
  auth?: { default?: RouteAuth; routes?: Partial<Record<string, RouteAuth>> };
  /** Source addresses allowed on /ingest/* (unset: everyone); others get 403. /healthz and /readyz stay open to probes. */
  allow?: AddressCheck;
  /** Events per second per source on /ingest/*, counted per item of each body; over it, requests get 429. */
  rateLimit?: RateLimiter;
  /** Bodies holding more items (events) than this get 413 (default DEFAULT_MAX_ITEMS_PER_REQUEST). */
  maxItemsPerRequest?: number;
  /** A request not received whole (headers and body) by then is answered 408 and closed (default DEFAULT_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** A connection that sent nothing for this long is closed (default DEFAULT_CONNECTION_TIMEOUT_MS). */
  connectionTimeoutMs?: number;
  /** HTTPS: a connection that has not finished its TLS handshake by then is closed (default DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS). */
  tlsHandshakeTimeoutMs?: number;
  /** Open connections; more are refused at once (counted, reason connection_limit). Unset: no cap. */
  maxConnections?: number;
  /** Open connections per source (an IPv4 address, an IPv6 /64), counted as they arrive (reason peer_connection_limit). */
  maxConnectionsPerPeer?: number;
  /** Webhook JSON nested deeper than this gets 400. */
  maxJsonDepth?: number;
  /** Serve HTTPS with this certificate (PEM contents); requestCert + ca for client certificates. */
  https?: Pick<HttpsServerOptions, 'cert' | 'key' | 'ca' | 'requestCert' | 'rejectUnauthorized'>;
  /** Largest request body in bytes; larger ones get 413. */
  bodyLimit: number;
  logger: Logger;
  /** Retry-After on a 503 (default 5 s). */
  retryAfterSeconds?: number;
  /** How often refused credentials are summarised in the log, per route (default 10 s). */
  authLogIntervalMs?: number;
}

/**
 * The webhook listener as a fastify app, not yet listening: main calls `app.listen({ host, port })`.
 * Bodies are taken as raw strings whatever their Content-Type (nothing is parsed at ingest) and
 * each route decides what to accept. Every error is answered as one-line JSON `{error}`.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { metrics } = options;
  const log = options.logger.child({ listener: HTTP_LISTENER });
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const connectionsCheckingInterval = Math.min(1000, requestTimeout);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own per-request lines carry the URL, which may hold the token (?token=, ?%74oken=,
    // /ingest/<kind>/<token>): off. Ours name the route pattern, never the URL.
    logController: new LogController({ disableRequestLogging: true }),
    // And any request-scoped line that logs `req` gets the route instead of the URL, whoever writes it.
    childLoggerFactory: (logger, bindings, childOptions) =>
      logger.child(bindings, { ...childOptions, serializers: { ...childOptions.serializers, req: requestWithoutUrl } }),
    bodyLimit: options.bodyLimit,
    // Without these a body sent a byte a minute holds its connection forever (fastify's defaults are 0).
    requestTimeout,
    connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    // Given to node's createServer too: node 24 ignores a requestTimeout set only after construction,
    // which is all fastify does. connectionsCheckingInterval: how often node looks for requests past
    // it (node's default, 30 s, would stretch a short timeout).
    http: { requestTimeout, connectionsCheckingInterval },
    // Fastify's types tie `https` to another server type; the app and its routes are the same either way.
    ...(options.https ? {
      https: {
        minVersion: MIN_TLS_VERSION, ciphers: TLS_CIPHERS, requestTimeout, connectionsCheckingInterval,
        handshakeTimeout: options.tlsHandshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, ...options.https,
      },
    } : {}),
  }) as FastifyInstance;
  limitConnections(app, options, log, metrics);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  metrics.initListener(HTTP_LISTENER);
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: bounded label values and no token.
    metrics.httpRequests.inc({ route: routeOf(request), status: String(reply.statusCode) });
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not found' }));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) log.error({ error, method: request.method, route: routeOf(request) }, 'Webhook request failed');
    // The body limit: counted like every other limit, not only as a status code.
    if (status === 413) metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'too_large' });
    return reply.code(status).send({ error: errorMessage(error, status, options.bodyLimit) });
  });

  // Health and readiness here too, for a load balancer checking this port in its own scheme; metrics only on the admin listener.
  registerHealthRoutes(app, { ready: options.ready });
  const fallback: RouteAuth = options.auth?.default
    ?? (options.webhookToken ? { type: 'token', token: options.webhookToken } : { type: 'none' });
  for (const route of WEBHOOK_ROUTES) {
    registerWebhook(app, route, {
      submit: options.submit,
      metrics,
      logger: log,
      auth: options.auth?.routes?.[route.kind] ?? fallback,
      allow: options.allow,
      rateLimit: options.rateLimit,
      maxJsonDepth: options.maxJsonDepth,
      maxItemsPerRequest: options.maxItemsPerRequest ?? DEFAULT_MAX_ITEMS_PER_REQUEST,
      retryAfterSeconds: options.retryAfterSeconds ?? 5,
      authLogIntervalMs: options.authLogIntervalMs,
    });
  }
  return app;
}

/**
 * Connection caps on the webhook server: overall (node's maxConnections, refusals counted via
 * 'drop') and per source, counted on the raw connection as it arrives, before any TLS handshake
 * or request. Over HTTPS a connection that fails or never finishes its handshake is closed: node
 * only reports it.
 */
function limitConnections(app: FastifyInstance, options: HttpAppOptions, log: Logger, metrics: Metrics): void {
  // net.Server events on the HTTP(S) server; tlsClientError only fires over HTTPS.
  const server = app.server as unknown as TlsServer;
  const throttleLimitLog = createLogThrottle(10_000);
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections;
    server.on('drop', (data) => {
      metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'connection_limit' });
      throttleLimitLog((suppressed) => log.warn(
        { peer: formatPeer(data?.remoteAddress, data?.remotePort), maxConnections: options.maxConnections, suppressedLogs: suppressed },
        'Refused a connection: the webhook listener is at its connection limit'));
    });
  }
  if (options.maxConnectionsPerPeer !== undefined) {
    const perPeer = createPeerConnections(options.maxConnectionsPerPeer);
    server.prependListener('connection', (socket: Socket) => {
      if (perPeer.admit(socket)) return;
      socket.destroy();
      metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'peer_connection_limit' });
      throttleLimitLog((suppressed) => log.warn(
        { peer: formatPeer(socket.remoteAddress, socket.remotePort), maxConnectionsPerPeer: options.maxConnectionsPerPeer, suppressedLogs: suppressed },
        'Refused a connection: the peer is at its webhook connection limit'));
    });
  }
  if (options.https) {
    const throttleHandshakeLog = createLogThrottle(10_000);
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      socket.destroy();
      throttleHandshakeLog((suppressed) => log.debug(
        { error, peer: formatPeer(socket.remoteAddress, socket.remotePort), suppressedLogs: suppressed }, 'TLS handshake failed'));
    });
  }
}

/** Certificate reload for an app created with `https`: new connections get the new context. */
export function setHttpsContext(app: FastifyInstance, context: SecureContextOptions): void {
  (app.server as unknown as TlsServer).setSecureContext(context);
}

/** The route pattern, never the URL: bounded label values, and no token in any spelling. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url?.replace(/\/:token$/, '') ?? 'unmatched';
}

function requestWithoutUrl(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    route: routeOf(request),
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

function errorMessage(error: FastifyError, status: number, bodyLimit: number): string {
  if (status === 413) return `Body larger than ${bodyLimit} bytes`;
  if (status === 415) return 'Unsupported Content-Type';
  if (status === 500) return 'Internal error';
  return error.message.replace(/\s+/g, ' ').trim();
}
