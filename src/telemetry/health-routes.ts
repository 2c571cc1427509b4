import type { FastifyInstance } from 'fastify';

export interface HealthRouteOptions {
  /** Readiness: can this process take events now (queue reachable, not shutting down)? */
  ready: () => boolean | Promise<boolean>;
  /** Sinks that cannot deliver yet (setup failed), with a short reason; ingest goes on regardless. */
  sinkProblems?: () => Record<string, string> | undefined;
}

/**
 * GET /healthz (alive) and /readyz (200 or 503). Readiness is about taking events: a sink whose
 * setup failed (wrong URL, refused credentials) is named in `sinks` with a status or error code,
 * never a host or credential, so probes need no secret, and the answer stays 200: its events
 * wait in its queue.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthRouteOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    let ready = false;
    try {
      ready = await options.ready();
    } catch (error) {
      request.log.warn({ error }, 'Readiness check failed');
    }
    const sinks = options.sinkProblems?.();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...(sinks && Object.keys(sinks).length ? { sinks } : {}) });
  });
}
