import { hostname } from 'node:os';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.ts';
import { Backpressure, BackpressureError } from './ingest/backpressure.ts';
import { createHttpApp, setHttpsContext } from './ingest/http/app.ts';
import { ADMIN_LISTENER, createAdminApp } from './observability/admin.ts';
import { createAllowlist } from './ingest/access/allowlist.ts';
import { rateLimiterFor } from './ingest/access/rate-limit.ts';
import { bind } from './ingest/bind.ts';
import { startSyslogListeners } from './ingest/syslog-listeners.ts';
import { readPem, recordExpiry, watchTlsFiles, type TlsPem, type TlsReloader } from './ingest/tls-context.ts';
import { resolveWebhookAuth } from './config/webhook-auth.ts';
import type { Submit } from './pipeline/submit.ts';
import type { TcpListener } from './ingest/tcp.ts';
import type { UdpListener } from './ingest/udp.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { enabledSinks } from './config/enabled-sinks.ts';
import { startPipeline, type Backlog, type Pipeline } from './pipeline/pipeline.ts';
import { checkDurability, openRedis } from './pipeline/redis-target.ts';
import { RecentEvents } from './observability/status-recent.ts';
import { TapHub } from './observability/tap-hub.ts';
import { TapPublisher } from './observability/tap-publisher.ts';
import { StatusSampler } from './observability/status-state.ts';
import { createTestEventSender } from './observability/status-test-events.ts';
import { waitForRedis } from './pipeline/redis-server.ts';
import { VigilError } from './config/errors.ts';
import { isRedisConnectionError, watchRedisAvailability } from './pipeline/redis-availability.ts';
import { joinDeployment, type JoinedNode } from './observability/node-join.ts';
import { requireSharedRedis } from './observability/node-guards.ts';
import type { FastifyInstance } from 'fastify';

export interface Vigil {
  /** Bound addresses of the listeners that run (port 0 in the config picks a free port). */
  addresses: { http?: AddressInfo; admin?: AddressInfo; udp?: AddressInfo; tcp?: AddressInfo; tls?: AddressInfo };
  pipeline: Pipeline;
  sinks: string[];
  /** Reads the TLS and HTTPS certificate files again (SIGHUP); false when any is bad (its old one is kept). */
  reloadCertificates(): boolean;
  /** Graceful stop: stop accepting, flush what is in flight to Redis, finish jobs, stop Redis if embedded. */
  stop(): Promise<void>;
}

/**
 * Wires one vigil process: health and webhooks (answering not ready until the rest runs), Redis,
 * pipeline stages for its role, syslog listeners. A listener that cannot bind, or a Redis that
 * does not answer within redis.connect_timeout_ms, fails the start with a VigilError.
 */
export async function startVigil(config: Config, logger: Logger, metrics: Metrics): Promise<Vigil> {
  requireSharedRedis(config);
  createDataDir(config.data_dir);
  const roles = {
    ingest: config.role === 'all' || config.role === 'ingest',
    process: config.role === 'all' || config.role === 'process',
    deliver: config.role === 'all' || config.role === 'deliver',
  };
  const configured = enabledSinks(config);
  // The status page's latest events: held where events are processed (this process only).
  const recent = roles.process ? new RecentEvents() : undefined;
  // `vigil tap`: the process stage publishes while someone listens; any admin listener serves readers.
  let tapPublisher: TapPublisher | undefined;
  let tapHub: TapHub | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ error }, 'Shutdown step failed'));
    }
  };
  const { listen } = config;
  let pipeline: Pipeline | undefined;
  let node: JoinedNode | undefined;
  let submit: Submit | undefined;
  let stopping = false;
  let app: FastifyInstance | undefined;
  let closeApp: (() => Promise<void>) | undefined;
  let admin: FastifyInstance | undefined;
  let closeAdmin: (() => Promise<void>) | undefined;
  const ready = () => !stopping && pipeline?.redis.status === 'ready';
  // Rates and sink health for the status page and for this node's entry in the node registry.
  const sampler = new StatusSampler(metrics, { role: config.role });
  sampler.start();
  cleanups.push(async () => sampler.stop());
  try {
    // HTTP first: a port in use fails the start at once, and while Redis is awaited /healthz
    // answers, /readyz says 503 and webhooks get 503 + Retry-After.
    if (listen.http_port !== null) {
      const { cert, key, ca, client_auth: clientAuth } = listen.http_tls;
      const pem = cert && key ? readPem('listen.http_tls', { cert, key, ca }) : undefined;
      const started = createHttpApp({
        submit: (events) => (submit ? submit(events) : Promise.reject(new Error('vigil is starting: Redis not reached yet'))),
        metrics,
        logger,
        bodyLimit: listen.http_body_limit_bytes,
        auth: { routes: resolveWebhookAuth(config.webhooks, listen.http_tls).routes },
        allow: createAllowlist(listen.allow_cidrs.http),
        rateLimit: rateLimiterFor(listen.rate_limit),
        maxJsonDepth: listen.max_json_depth,
        maxItemsPerRequest: listen.http_max_items_per_request,
        requestTimeoutMs: listen.http_request_timeout_ms,
        connectionTimeoutMs: listen.http_connection_timeout_ms,
        tlsHandshakeTimeoutMs: listen.tls_handshake_timeout_ms,
        maxConnections: listen.max_connections,
        maxConnectionsPerPeer: listen.max_connections_per_peer,
        // Per-route mtls needs the certificate asked for even when client_auth is optional: routes decide.
        https: pem && { ...pem, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
        ready,
      });
      app = started;
      closeApp = () => started.close();
      await bind('http_port', listen.host, listen.http_port, () => started.listen({ host: listen.host, port: listen.http_port! }));
      if (pem && cert && key) recordExpiry(metrics, 'http', pem.cert);
    }
    if (listen.admin.port !== null) {
      const { host, port, tls, token, allow_cidrs: allowCidrs } = listen.admin;
      const pem = tls.cert && tls.key ? readPem('listen.admin.tls', { cert: tls.cert, key: tls.key }) : undefined;
      const started = createAdminApp({
        metrics, logger, ready, sinkProblems: () => pipeline?.sinkProblems(), token, allow: allowCidrs.length ? createAllowlist(allowCidrs) : undefined, https: pem,
        status: {
          sampler, recent, eventSinks: configured.map((s) => s.name), sendTestEvents: createTestEventSender(() => addresses),
          nodes: () => node?.list() ?? Promise.resolve([]),
        },
        tap: { hub: () => tapHub },
      });
      admin = started;
      closeAdmin = () => started.close();
      await bind('admin.port', host, port, () => started.listen({ host, port }));
      if (pem) recordExpiry(metrics, ADMIN_LISTENER, pem.cert);
    }

    const redis = await openRedis(config);
    cleanups.push(() => redis.stop());
    if (!redis.embedded) {
      const url = redis.where;
      // The endpoint, not the URL: it has the password REDIS_PASSWORD gives a URL without one.
      await waitForRedis(redis.endpoint, {
        where: url,
        timeoutMs: config.redis.connect_timeout_ms,
        onRetry: (reason, retryInMs) => logger.warn({ redis: url, reason, retryInMs, giveUpAfterMs: config.redis.connect_timeout_ms }, 'Redis is not reachable yet: retrying'),
      });
    }
    // Before any worker runs: a node that does not fit the deployment refuses to start.
    node = await joinDeployment({
      config, redis: redis.endpoint, sinks: configured.map((s) => s.name), logger,
      admin: admin?.server.address() as AddressInfo | undefined,
      status: () => sampler.snapshot(),
    });
    const joined = node;
    cleanups.push(() => joined.leave());
    const sinks = configured.map(({ factory, options, policy, filter, name }) => ({
      sink: factory.create(options, { name, logger: logger.child({ sink: name }), dataDir: config.data_dir, labels: config.labels }),
      policy,
      filter,
    }));
    cleanups.push(async () => {
      await Promise.all(sinks.map(({ sink }) => sink.close?.()));
    });
    pipeline = await startPipeline({
      redis: redis.endpoint,
      prefix: config.redis.prefix,
      minReplicasAck: { replicas: config.redis.min_replicas_ack, timeoutMs: config.redis.min_replicas_timeout_ms },
      roles,
      batch: { maxEvents: config.batch.max_events, maxBytes: config.batch.max_bytes, maxWaitMs: config.batch.max_wait_ms },
      processConcurrency: config.process.concurrency,
      processThreads: config.process.threads,
      processThreadHeapMb: config.process.thread_heap_mb,
      sinks,
      jobs: { lockMs: config.jobs.lock_ms, stalledCheckMs: config.jobs.stalled_check_ms },
      metrics,
      logger,
      onProcessed: roles.process ? (payload, n) => {
        recent?.add(payload);
        tapPublisher?.offer(payload, n);
      } : undefined,
    });
    const started = pipeline;
    cleanups.push(() => started.stop());
    const tapOptions = { prefix: config.redis.prefix, logger };
    if (roles.process) {
      const publisher = new TapPublisher(started.redis, { ...tapOptions, node: `${hostname()}:${process.pid}`, sinks: configured.map((s) => s.name) });
      publisher.start();
      tapPublisher = publisher;
      cleanups.push(async () => publisher.stop());
    }
    if (admin) {
      const hub = new TapHub(started.redis, tapOptions);
      tapHub = hub;
      cleanups.push(async () => hub.close());
    }
    cleanups.push(watchRedisAvailability(started.redis, { logger, redis: redis.where }));
    await checkDurability(pipeline.redis, logger);

    // Measures the backlog (and keeps the queue gauges fresh) in every role; only listeners act on it.
    const { backpressure: bp } = config;
    // While Redis is away (reported once by the watcher above) nothing can be measured: the last
    // measurement stands, rather than a failure logged per check.
    let lastBacklog: Backlog = { jobs: 0, memoryRatio: 0 };
    const measure = async () => {
      if (started.redis.status !== 'ready') return lastBacklog;
      try {
        return (lastBacklog = await started.measureBacklog());
      } catch (error) {
        if (isRedisConnectionError(error) || started.redis.status !== 'ready') return lastBacklog;
        throw error;
      }
    };
    const backpressure = new Backpressure(measure, {
      highJobs: bp.high_watermark_jobs, lowJobs: bp.low_watermark_jobs,
      highMemoryRatio: bp.high_memory_ratio, lowMemoryRatio: bp.low_memory_ratio, intervalMs: bp.check_interval_ms,
    }, logger);
    const addresses: Vigil['addresses'] = {};
    const listeners: Array<UdpListener | TcpListener> = [];
    const reloaders: TlsReloader[] = [];
    cleanups.push(async () => reloaders.forEach((r) => r.stop()));
    const watchCertificates = (listener: string, files: { cert: string; key: string; ca?: string }, apply: (pem: TlsPem) => void) => {
      reloaders.push(watchTlsFiles({ listener, files, apply, metrics, logger, pollIntervalMs: listen.tls_reload_interval_ms }));
    };
    if (roles.ingest) {
      const syslog = await startSyslogListeners(listen, { submit: pipeline.submit, metrics, logger, watchCertificates });
      Object.assign(addresses, syslog.addresses);
      listeners.push(...syslog.listeners);
      // TCP senders wait (their kernel buffers fill) and UDP datagrams are dropped, counted, while engaged.
      backpressure.onChange((engaged) => listeners.forEach((l) => (engaged ? l.pause() : l.resume())));
    }
    // Listeners close before the pipeline drains, so what they still hold reaches the batcher.
    cleanups.push(async () => {
      await Promise.all(listeners.map((l) => l.close()));
    });

    if (app) {
      // Closed before the pipeline drains, like the syslog listeners.
      cleanups.push(closeApp!);
      closeApp = undefined;
      addresses.http = app.server.address() as AddressInfo;
      const { cert, key, ca } = listen.http_tls;
      const https = app;
      if (cert && key) watchCertificates('http', { cert, key, ca }, (next) => setHttpsContext(https, next));
    }
    submit = (events) => (backpressure.engaged ? Promise.reject(new BackpressureError()) : started.submit(events));

    if (admin) {
      cleanups.push(closeAdmin!);
      closeAdmin = undefined;
      addresses.admin = admin.server.address() as AddressInfo;
      const { cert, key } = listen.admin.tls;
      const https = admin;
      if (cert && key) watchCertificates(ADMIN_LISTENER, { cert, key }, (next) => setHttpsContext(https, next));
    }

    backpressure.start();
    cleanups.push(async () => backpressure.stop());

    return {
      addresses,
      pipeline: started,
      sinks: configured.map((s) => s.name),
      reloadCertificates: () => reloaders.map((r) => r.reload()).every(Boolean),
      stop: async () => {
        stopping = true;
        await stopAll();
      },
    };
  } catch (error) {
    stopping = true;
    await closeApp?.().catch(() => undefined);
    await closeAdmin?.().catch(() => undefined);
    await stopAll();
    throw error;
  }
}

/**
 * The data dir, created if missing: events, queues and the Redis AOF live there, this user's only
 * (the process umask is 077, run.ts). One vigil cannot create is an expected failure.
 */
function createDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw dataDirError(dir, error);
  }
}

export function dataDirError(dir: string, error: unknown): Error {
  const { code, message } = error as NodeJS.ErrnoException;
  if (!code) return error as Error;
  return new VigilError('VIGIL_ERR_DATA_DIR', [`data_dir (VIGIL_DATA_DIR) ${dir}: ${message}`]);
}
