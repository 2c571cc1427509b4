import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { RawEvent } from '../../normalize/raw-event.ts';
import { nestsDeeperThan } from '../../../parsers/kit/json-lossless.ts';
import type { Submit } from '../../pipeline/submit.ts';
import { formatPeer, peerIp } from '../peer.ts';
import { peerKey } from '../access/peer-key.ts';
import { verifiedClientIdentity } from '../client-certificate.ts';
import type { TLSSocket } from 'node:tls';
import { createLogThrottle } from '../log-throttle.ts';
import type { AddressCheck } from '../access/allowlist.ts';
import type { RateLimiter } from '../access/rate-limit.ts';
import { createAuthCheck } from './auth.ts';
import type { RouteAuth } from '../../config/webhook-auth.ts';
import { createAuthFailureLog } from './auth-failures.ts';
import { isJsonMediaType, isNdjsonMediaType, mediaType } from '../../webhook-routes/content-type.ts';
import type { WebhookRoute } from '../../webhook-routes/webhook-route.ts';

export const HTTP_LISTENER = 'http';

export interface WebhookDeps {
  submit: Submit;
  metrics: Metrics;
  logger: Logger;
  /** How this route authenticates its sender. */
  auth: RouteAuth;
  /** Source addresses allowed (unset: everyone); others get 403. */
  allow?: AddressCheck;
  /**
   * Events per second per source: a request is let in while its source has a token left, then
   * charged one per item of its body (the bucket may go into debt); meanwhile requests get 429.
   */
  rateLimit?: RateLimiter;
  /** Bodies holding more items than this get 413. */
  maxItemsPerRequest: number;
  /** JSON bodies nested deeper than this get 400 (unset: no limit). */
  maxJsonDepth?: number;
  retryAfterSeconds: number;
  /** How often refused credentials are summarised in the log (default 10 s). */
  authLogIntervalMs?: number;
}

/**
 * POST /ingest/<kind> (and /ingest/<kind>/<token> with token auth; either after
 * /ingest/<kind>/cluster/<name> or with ?cluster=<name> for a sender's cluster): the raw body becomes one
 * RawEvent, answered 200 only once submit has stored it, 503 with Retry-After when it could not
 * be stored. Before the body is read: allowlist (403), rate limit (429), then auth (401); after:
 * content checks (4xx from the route) and the item cap (413).
 */
export function registerWebhook(app: FastifyInstance, route: WebhookRoute, deps: WebhookDeps): void {
  const { submit, metrics } = deps;
  const path = `/ingest/${route.kind}`;
  const checkAuth = createAuthCheck(deps.auth);
  const authFailures = createAuthFailureLog({ route: path, logger: deps.logger, intervalMs: deps.authLogIntervalMs ?? 10_000 });
  app.addHook('onClose', async () => authFailures.flush());
  metrics.authFailures.inc({ route: path }, 0);
  const throttleDeniedLog = createLogThrottle(10_000);
  const throttleRateLog = createLogThrottle(10_000);
  const throttleUnavailableLog = createLogThrottle(10_000);
  const throttleItemsLog = createLogThrottle(10_000);

  async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const address = request.socket.remoteAddress;
    if (deps.allow && !deps.allow(address)) {
      metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'denied' });
      throttleDeniedLog((suppressed) => deps.logger.warn(
        { peer: peerOf(request), route: path, suppressedLogs: suppressed },
        'Refused a webhook request: its source is not in listen.allow_cidrs.http'));
      await reply.code(403).send({ error: 'Source address not allowed' });
      return;
    }
    if (deps.rateLimit) {
      const ip = peerKey(address);
      const granted = deps.rateLimit.grant(ip, 1) === 1;
      metrics.rateLimitPeers.set({ listener: HTTP_LISTENER }, deps.rateLimit.size);
      if (!granted) {
        metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'rate_limited' });
        throttleRateLog((suppressed) => deps.logger.warn(
          { peer: peerOf(request), route: path, suppressedLogs: suppressed }, 'Answered a webhook 429: the peer is over its events-per-second limit'));
        await reply.code(429).header('Retry-After', String(Math.max(1, deps.rateLimit.secondsUntil(ip, 1))))
          .send({ error: 'Too many events from this address, retry later' });
        return;
      }
    }
    const authorised = checkAuth({
      authorization: request.headers.authorization,
      queryToken: (request.query as Record<string, unknown> | undefined)?.token,
      pathToken: (request.params as { token?: string } | undefined)?.token,
      socket: request.socket,
    });
    if (authorised) return;
    metrics.authFailures.inc({ route: path });
    authFailures.record(peerIp(address));
    if (checkAuth.challenge) reply.header('WWW-Authenticate', checkAuth.challenge);
    const error = deps.auth.type === 'mtls' ? 'A verified client certificate is required' : 'Missing or wrong webhook credentials';
    await reply.code(401).send({ error });
  }

  async function accept(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = Date.now();
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      // Bodies are stored as text, never inflated here (Falcosidekick can gzip if told to).
      return reply.code(415).send({ error: `Unsupported Content-Encoding ${encoding}` });
    }
    const body = typeof request.body === 'string' ? request.body : '';
    if (body.length === 0) return reply.code(400).send({ error: 'Empty body' });
    const type = mediaType(request.headers['content-type']);
    if (deps.maxJsonDepth !== undefined && looksLikeJson(body, type) && nestsDeeperThan(body, deps.maxJsonDepth)) {
      // Refused on every route, even those that never see a 4xx: nothing recursive should walk it, and the count shows it.
      metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'json_too_deep' });
      return reply.code(400).send({ error: `JSON nested deeper than ${deps.maxJsonDepth} levels` });
    }
    const verdict = route.check(body, type, deps.maxItemsPerRequest);
    if ('error' in verdict) return reply.code(verdict.status).send({ error: verdict.error });
    if (verdict.items > deps.maxItemsPerRequest) {
      metrics.dropped.inc({ listener: HTTP_LISTENER, reason: 'too_many_items' });
      throttleItemsLog((suppressed) => deps.logger.warn(
        { peer: peerOf(request), route: path, items: verdict.items, suppressedLogs: suppressed },
        'Answered a webhook 413: its body holds more events than listen.http_max_items_per_request'));
      return reply.code(413).send({
        error: `Body holds ${verdict.items} events, more than the ${deps.maxItemsPerRequest} allowed per request: send smaller batches`,
      });
    }
    // The request took one token on the way in (guard); the rest of its events are charged now.
    if (deps.rateLimit && verdict.items > 1) deps.rateLimit.charge(peerKey(request.socket.remoteAddress), verdict.items - 1);

    const cluster = (request.params as { cluster?: string } | undefined)?.cluster ?? (request.query as Record<string, unknown> | undefined)?.cluster;
    if (cluster !== undefined && !isClusterName(cluster)) {
      return reply.code(400).send({ error: 'the cluster must be a cluster name: 1 to 253 letters, digits, ., _ or -' });
    }
    const event: RawEvent = {
      format: route.format, text: body, receivedAt, input: 'http', listener: HTTP_LISTENER, peer: peerOf(request),
    };
    if (cluster) event.cluster = cluster;
    const client = 'encrypted' in request.socket ? verifiedClientIdentity(request.socket as TLSSocket) : undefined;
    if (client) event.client = client;
    try {
      await submit([event]);
    } catch (error) {
      throttleUnavailableLog((suppressed) => deps.logger.warn(
        { error, route: path, suppressedLogs: suppressed }, 'Answered a webhook with a retryable error: the queue is unavailable'));
      return reply.code(route.unavailableStatus ?? 503).header('Retry-After', String(deps.retryAfterSeconds)).send({ error: 'Queue unavailable, retry later' });
    }
    metrics.received.inc({ listener: HTTP_LISTENER });
    return reply.code(200).send({ status: 'accepted' });
  }

  const routeOptions = { onRequest: guard };
  // The sender's cluster in the path, for senders whose URL keeps no query: the API server's
  // audit webhook client builds each request's query from its own parameters alone (client-go
  // rest.Request.URL), so `?cluster=` in its kubeconfig's server URL never arrives.
  for (const prefix of [path, `${path}/cluster/:cluster`]) {
    app.post(prefix, routeOptions, accept);
    if (deps.auth.type === 'token') app.post(`${prefix}/:token`, routeOptions, accept);
  }
}

function looksLikeJson(body: string, type: string | undefined): boolean {
  if (isJsonMediaType(type) || isNdjsonMediaType(type)) return true;
  const first = body.trimStart().charCodeAt(0);
  return first === 123 /* { */ || first === 91 /* [ */;
}

/** A cluster name as Kubernetes tooling writes them; anything else would only be a sender's noise. */
function isClusterName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._-]{1,253}$/.test(value);
}

function peerOf(request: FastifyRequest): string {
  return formatPeer(request.socket.remoteAddress, request.socket.remotePort);
}
