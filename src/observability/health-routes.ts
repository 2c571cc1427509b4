import type { FastifyInstance } from 'fastify';

export interface HealthRouteOptions {
  /** Readiness: can this process take events now (queue reachable, not shutting down)? */
  ready: () => boolean | Promise<boolean>;
}

/** GET /healthz (alive) and /readyz (200 or 503). They say nothing but up and ready, so probes need no secret. */
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
}
