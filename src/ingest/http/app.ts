import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Metrics } from '../../observability/metrics.ts';
import type { Logger } from '../../observability/logger.ts';
import { maskUrl } from '../../observability/logger.ts';
import type { Submit } from '../submit.ts';
import { createTokenCheck } from './auth.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { WEBHOOK_ROUTES } from './routes/index.ts';
import { HTTP_LISTENER, registerWebhook } from './webhook.ts';

export interface HttpAppOptions {
  submit: Submit;
  metrics: Metrics;
  /** Readiness for GET /readyz. */
  ready: () => boolean | Promise<boolean>;
  /** Shared secret for /ingest/*: Bearer header, ?token= or /ingest/<kind>/<token>. Unset: no auth. */
  webhookToken?: string;
  /** Largest request body in bytes; larger ones get 413. */
  bodyLimit: number;
  logger: Logger;
  /** Retry-After on a 503 (default 5 s). */
  retryAfterSeconds?: number;
}

/**
 * The webhook listener as a fastify app, not yet listening: main calls `app.listen({ host, port })`.
 * Bodies are taken as raw strings whatever their Content-Type (nothing is parsed at ingest) and
 * each route decides what to accept. Every error is answered as one-line JSON `{error}`.
 */
export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { metrics } = options;
  const log = options.logger.child({ listener: HTTP_LISTENER });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own per-request lines carry the URL, which may hold the token: off. Ours mask it.
    logController: new LogController({ disableRequestLogging: true }),
    // And any request-scoped line that logs `req` gets the URL masked, whoever writes it.
    childLoggerFactory: (logger, bindings, childOptions) =>
      logger.child(bindings, { ...childOptions, serializers: { ...childOptions.serializers, req: maskedRequest } }),
    bodyLimit: options.bodyLimit,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  metrics.initListener(HTTP_LISTENER);
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the URL: bounded label values and no token.
    const route = request.routeOptions.url?.replace(/\/:token$/, '') ?? 'unmatched';
    metrics.httpRequests.inc({ route, status: String(reply.statusCode) });
  });

  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not found' }));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) log.error({ error, method: request.method, url: maskUrl(request.url) }, 'Webhook request failed');
    return reply.code(status).send({ error: errorMessage(error, status, options.bodyLimit) });
  });

  registerHealthRoutes(app, { metrics, ready: options.ready });
  const checkToken = options.webhookToken ? createTokenCheck(options.webhookToken) : undefined;
  for (const route of WEBHOOK_ROUTES) {
    registerWebhook(app, route, {
      submit: options.submit,
      metrics,
      logger: log,
      checkToken,
      retryAfterSeconds: options.retryAfterSeconds ?? 5,
    });
  }
  return app;
}

function maskedRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: maskUrl(request.url),
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
