import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Metrics } from '../../observability/metrics.ts';
import type { Logger } from '../../observability/logger.ts';
import { maskUrl } from '../../observability/logger.ts';
import type { RawEvent } from '../../pipeline/raw-event.ts';
import type { Submit } from '../submit.ts';
import { formatPeer } from '../peer.ts';
import { createLogThrottle } from '../log-throttle.ts';
import type { PresentedCredentials } from './auth.ts';
import { mediaType } from './content-type.ts';
import type { WebhookRoute } from './webhook-route.ts';

export const HTTP_LISTENER = 'http';

export interface WebhookDeps {
  submit: Submit;
  metrics: Metrics;
  logger: Logger;
  /** Present when a webhook token is configured. */
  checkToken?: (presented: PresentedCredentials) => boolean;
  retryAfterSeconds: number;
}

/**
 * POST /ingest/<kind> (and /ingest/<kind>/<token> when a token is configured): the raw body
 * becomes one RawEvent, answered 200 only once submit has stored it, 503 with Retry-After when
 * it could not be stored.
 */
export function registerWebhook(app: FastifyInstance, route: WebhookRoute, deps: WebhookDeps): void {
  const { submit, metrics, checkToken } = deps;
  const path = `/ingest/${route.kind}`;
  const throttleAuthLog = createLogThrottle(10_000);
  const throttleUnavailableLog = createLogThrottle(10_000);

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!checkToken) return;
    const presented: PresentedCredentials = {
      authorization: request.headers.authorization,
      queryToken: (request.query as Record<string, unknown> | undefined)?.token,
      pathToken: (request.params as { token?: string } | undefined)?.token,
    };
    if (checkToken(presented)) return;
    throttleAuthLog((suppressed) => deps.logger.warn(
      { peer: peerOf(request), url: maskUrl(request.url), suppressedLogs: suppressed },
      'Refused a webhook request: missing or wrong token'));
    await reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Missing or wrong webhook token' });
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
    const refusal = route.check(body, mediaType(request.headers['content-type']));
    if (refusal) return reply.code(refusal.status).send({ error: refusal.error });

    const event: RawEvent = {
      format: route.format, text: body, receivedAt, input: 'http', listener: HTTP_LISTENER, peer: peerOf(request),
    };
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

  const routeOptions = checkToken ? { onRequest: authenticate } : {};
  app.post(path, routeOptions, accept);
  if (checkToken) app.post(`${path}/:token`, routeOptions, accept);
}

function peerOf(request: FastifyRequest): string {
  return formatPeer(request.socket.remoteAddress, request.socket.remotePort);
}
