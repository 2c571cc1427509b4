import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createAuthCheck } from '../ingest/http/auth.ts';
import { renderStatusPage, TEST_EVENTS_HEADER, type StatusFilter } from './status-page.ts';
import type { RecentEvents } from './status-recent.ts';
import type { StatusSampler } from './status-state.ts';
import { summarizeNode } from './node-summary.ts';
import type { NodeRecord } from './node-registry.ts';
import { NoTestTargetError, type TestEventsResult } from './status-test-events.ts';

export interface StatusRouteOptions {
  /** The admin token (unset: none), as /metrics takes it. */
  token?: string;
  sampler: StatusSampler;
  /** Unset when this process does not run the process stage: it has no events to show. */
  recent?: RecentEvents;
  sendTestEvents: () => Promise<TestEventsResult>;
  /** The live nodes of the deployment (the node registry); none while Redis is not reached yet. */
  nodes?: () => Promise<NodeRecord[]>;
  /** Least time between two test-event sends, ms. */
  testEventsIntervalMs?: number;
}

const FILTER_KEYS = ['dataset', 'module', 'severity', 'source', 'sink'] as const;

/**
 * GET /status (HTML), GET /status.json and POST /status/test-events on the admin listener. They
 * show what /metrics shows and more (event contents), so they take the same admin token: as a
 * bearer header, or for a browser as `?token=` (admin request logging is off, so the query is
 * never logged by vigil; the page sends it on as a header, and says no-referrer and no-store).
 */
export function registerStatusRoutes(app: FastifyInstance, options: StatusRouteOptions): void {
  const authorized = adminAuthorizer(options.token);
  const state = async (request: FastifyRequest) => {
    const filter = readFilter(request.query as Record<string, unknown>);
    const snapshot = await options.sampler.snapshot();
    if (filter.sink) snapshot.sinks = snapshot.sinks.filter((s) => s.sink === filter.sink);
    // ?events=0 (vigil top): the counters only, without decoding the latest events.
    const wanted = (request.query as Record<string, unknown>).events !== '0';
    const events = options.recent && wanted ? await options.recent.latest(filter) : undefined;
    // Redis away: the page still shows this node's own state.
    const nodes = options.nodes ? await options.nodes().catch((): NodeRecord[] => []) : [];
    return { filter, ...snapshot, events, nodes: nodes.map(summarizeNode) };
  };

  app.get('/status', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const nonce = randomBytes(16).toString('base64');
    const query = request.query as Record<string, unknown>;
    const html = renderStatusPage(await state(request), { nonce, token: typeof query.token === 'string' ? query.token : undefined });
    return securityHeaders(reply, nonce).type('text/html; charset=utf-8').send(html);
  });

  app.get('/status.json', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    return securityHeaders(reply).send(await state(request));
  });

  // vigil top --all: every live node's record with its whole status snapshot.
  app.get('/status/nodes.json', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    if (!options.nodes) return reply.code(404).send({ error: 'this vigil does not keep a node registry' });
    try {
      return securityHeaders(reply).send({ nodes: await options.nodes() });
    } catch (error) {
      return reply.code(503).send({ error: `cannot read the node registry: ${(error as Error).message}` });
    }
  });

  let lastSend = 0;
  const interval = options.testEventsIntervalMs ?? 2_000;
  app.post('/status/test-events', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    // Another site open in the same browser could POST here without a token when none is set; it
    // cannot add a custom header without a CORS preflight, which this listener never allows.
    if (request.headers[TEST_EVENTS_HEADER] !== '1') return reply.code(403).send({ error: `send the header ${TEST_EVENTS_HEADER}: 1` });
    // A button, not a load generator: one click's worth at a time.
    if (Date.now() - lastSend < interval) return reply.code(429).send({ error: `one test send per ${interval / 1000} s` });
    lastSend = Date.now();
    try {
      return securityHeaders(reply).send(await options.sendTestEvents());
    } catch (error) {
      const code = error instanceof NoTestTargetError ? 409 : 502;
      request.log.warn({ error: (error as Error).message }, 'Sending the status page test events failed');
      return reply.code(code).send({ error: (error as Error).message });
    }
  });
}

/**
 * The admin token check of the status routes and /tap: the token as a bearer header, or as
 * `?token=` for a browser. Answers 401 itself and returns false when it is missing or wrong.
 */
export function adminAuthorizer(token: string | undefined): (request: FastifyRequest, reply: FastifyReply) => boolean {
  const check = token ? createAuthCheck({ type: 'token', token }) : undefined;
  return (request, reply) => {
    const query = request.query as Record<string, unknown>;
    if (!check || check({ authorization: request.headers.authorization, queryToken: query.token })) return true;
    void reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'Missing or wrong admin token: send it as Authorization: Bearer, or open /status?token=…' });
    return false;
  };
}

export function readFilter(query: Record<string, unknown>): StatusFilter {
  const filter: StatusFilter = {};
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (typeof value === 'string' && value.trim()) filter[key] = value.trim().slice(0, 200);
  }
  return filter;
}

/** Event fields are attacker-controlled: besides escaping, the CSP runs only this page's own nonce'd script. */
function securityHeaders(reply: FastifyReply, nonce?: string): FastifyReply {
  const scripts = nonce ? `script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'` : "script-src 'none'";
  return reply
    .header('Content-Security-Policy', `default-src 'none'; ${scripts}; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`)
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Content-Type-Options', 'nosniff');
}
