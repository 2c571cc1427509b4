import type { FastifyInstance } from 'fastify';
import { adminAuthorizer, readFilter } from './status-routes.ts';
import type { StatusFilter } from './status-page.ts';
import { matchesFilter } from './status-recent.ts';
import { TooManyTapsError, type TapHub } from './tap-hub.ts';
import type { TapMessage } from './tap-publisher.ts';

export interface TapRouteOptions {
  /** The admin token (unset: none). */
  token?: string;
  /** Undefined until Redis is reached. */
  hub: () => TapHub | undefined;
  /** Bytes a slow client may have unsent before further events for it are skipped (and counted). */
  maxBufferedBytes?: number;
}

/**
 * GET /tap on the admin listener: the events every process node is processing now, as NDJSON, one
 * line each — `{"type":"event", node, sinks, id, timestamp, dataset, module, level, source, event}`,
 * `{"type":"skipped", node, count}` for events sampled out (or not sent to a slow reader), and a
 * first `{"type":"hello"}` line once the subscription is live. Filters are the status page's
 * (?dataset, module, severity, source, sink), applied here. Same admin token as /status.
 */
export function registerTapRoute(app: FastifyInstance, options: TapRouteOptions): void {
  const authorized = adminAuthorizer(options.token);
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const open = new Set<() => void>();
  // Streams never end by themselves: the listener's close ends them, or it would wait for the readers.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/tap', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const hub = options.hub();
    if (!hub) return reply.code(503).send({ error: 'vigil is starting: Redis not reached yet' });
    const filter = readFilter(request.query as Record<string, unknown>);
    const out = reply.raw;
    let behind = 0;
    const write = (line: string) => out.write(`${line}\n`);
    const deliver = (message: TapMessage) => {
      if (out.writableLength > maxBuffered) {
        behind += message.events.length + message.skipped;
        return;
      }
      const skipped = message.skipped + behind;
      behind = 0;
      if (skipped) write(JSON.stringify({ type: 'skipped', node: message.node, count: skipped }));
      for (const { json, ...event } of message.events) {
        if (!matchesFilter(event, filter)) continue;
        // The ECS JSON is spliced in as the process stage wrote it: integers beyond 2^53 keep every digit.
        write(`${JSON.stringify({ type: 'event', node: message.node, ...event }).slice(0, -1)},"event":${json}}`);
      }
    };
    let unsubscribe: () => void;
    try {
      unsubscribe = await hub.subscribe(deliver);
    } catch (error) {
      if (error instanceof TooManyTapsError) return reply.code(429).send({ error: error.message });
      request.log.warn({ error: (error as Error).message }, 'Could not subscribe to tapped events');
      return reply.code(503).send({ error: `could not subscribe to tapped events: ${(error as Error).message}` });
    }
    reply.hijack();
    // A reader gone while the subscription was being made would otherwise hold a client slot.
    if (request.raw.socket.destroyed) {
      unsubscribe();
      return reply;
    }
    out.writeHead(200, {
      'Content-Type': 'application/x-ndjson; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff',
    });
    write(JSON.stringify({ type: 'hello', filter: filter satisfies StatusFilter }));
    const end = () => {
      unsubscribe();
      open.delete(end);
      out.end();
    };
    open.add(end);
    out.once('close', end);
    return reply;
  });
}
