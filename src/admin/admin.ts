import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AddressCheck } from '../ingest/access/allowlist.ts';
import { createAuthCheck } from '../ingest/http/auth.ts';
import { createLogThrottle } from '../ingest/log-throttle.ts';
import { formatPeer } from '../ingest/peer.ts';
import { registerHealthRoutes } from '../telemetry/health-routes.ts';
import { registerStatusRoutes, type StatusRouteOptions } from './status-routes.ts';
import { registerTapRoute, type TapRouteOptions } from './tap-route.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';

export const ADMIN_LISTENER = 'admin';

export interface AdminAppOptions {
  metrics: Metrics;
  /** Readiness for GET /readyz. */
  ready: () => boolean | Promise<boolean>;
  /** Sinks whose setup failed, named in /readyz. */
  sinkProblems?: () => Record<string, string> | undefined;
  /** Bearer token GET /metrics requires (unset: none). */
  token?: string;
  /** Source addresses allowed on every admin route (unset: everyone); others get 403. */
  allow?: AddressCheck;
  /** Serve HTTPS with this certificate (PEM contents); plain HTTP otherwise. */
  https?: { cert: string | Buffer; key: string | Buffer };
  logger: Logger;
  /** The status page (/status), behind the same token; its `token` is this listener's. */
  status?: Omit<StatusRouteOptions, 'token'>;
  /** GET /tap (`vigil tap`), behind the same token. */
  tap?: Omit<TapRouteOptions, 'token'>;
}

/**
 * The admin listener: GET /healthz, /readyz, /metrics, the status page (status-routes.ts) and /tap (tap-route.ts), apart from the webhooks so that probes
 * and Prometheus keep plain HTTP, and their own bind address, whatever HTTPS and auth the
 * webhooks use. /metrics tells which detections fired (counts per dataset, cluster, namespace),
 * so it takes an optional bearer token; health and readiness say up, ready and which sinks failed setup.
 */
export function createAdminApp(options: AdminAppOptions): FastifyInstance {
  const log = options.logger.child({ listener: ADMIN_LISTENER });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: { minVersion: 'TLSv1.2', ...options.https } } : {}),
  }) as FastifyInstance;
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ error: 'Not found' }));

  if (options.allow) {
    const allow = options.allow;
    const throttle = createLogThrottle(10_000);
    app.addHook('onRequest', async (request, reply) => {
      if (allow(request.socket.remoteAddress)) return;
      throttle((suppressed) => log.warn(
        { peer: formatPeer(request.socket.remoteAddress, request.socket.remotePort), suppressedLogs: suppressed },
        'Refused an admin request: its source is not in listen.admin.allow_cidrs'));
      await reply.code(403).send({ error: 'Source address not allowed' });
    });
  }

  registerHealthRoutes(app, { ready: options.ready, sinkProblems: options.sinkProblems });
  if (options.status) registerStatusRoutes(app, { ...options.status, token: options.token });
  if (options.tap) registerTapRoute(app, { ...options.tap, token: options.token });

  const checkToken = options.token ? createAuthCheck({ type: 'bearer', token: options.token }) : undefined;
  app.get('/metrics', async (request, reply) => {
    if (checkToken && !checkToken({ authorization: request.headers.authorization })) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Missing or wrong admin token' });
    }
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
  return app;
}
