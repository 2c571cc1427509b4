import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../../observability/metrics.ts';

export interface HealthRouteOptions {
  metrics: Metrics;
  /** Readiness: can this process take events now (queue reachable, not shutting down)? */
  ready: () => boolean | Promise<boolean>;
}

/** GET /healthz (alive), /readyz (200 or 503), /metrics (Prometheus text). Never behind the webhook token. */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    let ready = false;
    try {
      ready = await options.ready();
    } catch (error) {
      request.log.warn({ error }, 'Readiness check failed');
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}
