import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.ts';
import { Backpressure, BackpressureError } from './ingest/backpressure.ts';
import { createHttpApp, setHttpsContext } from './ingest/http/app.ts';
import { ADMIN_LISTENER, createAdminApp } from './observability/admin.ts';
import { createAllowlist } from './ingest/access/allowlist.ts';
import { createRateLimiter, type RateLimiter } from './ingest/access/rate-limit.ts';
import { readTlsFiles, recordExpiry, watchTlsFiles, type TlsPem, type TlsReloader } from './ingest/tls-context.ts';
import { resolveWebhookAuth } from './config/webhook-auth.ts';
import type { Submit } from './ingest/submit.ts';
import { createTcpListener, type TcpListener } from './ingest/tcp.ts';
import { createUdpListener, type UdpListener } from './ingest/udp.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { enabledSinks } from './pipeline/enabled-sinks.ts';
import { startPipeline, type Pipeline } from './pipeline/pipeline.ts';
import { checkDurability, openRedis } from './pipeline/redis-target.ts';
import { RecentEvents } from './observability/status-recent.ts';
import { StatusSampler } from './observability/status-state.ts';
import { createTestEventSender } from './observability/status-test-events.ts';

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

/** Wires one vigil process: Redis, pipeline stages for its role, listeners, health and metrics. */
export async function startVigil(config: Config, logger: Logger, metrics: Metrics): Promise<Vigil> {
  // Events, queues and the Redis AOF live here: this user's only (the process umask is 077, vigil.ts).
  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const roles = {
    ingest: config.role === 'all' || config.role === 'ingest',
    process: config.role === 'all' || config.role === 'process',
    deliver: config.role === 'all' || config.role === 'deliver',
  };
  const configured = enabledSinks(config);
  const redis = await openRedis(config);
  const cleanups: Array<() => Promise<void>> = [() => redis.stop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ error }, 'Shutdown step failed'));
    }
  };
  try {
    const sinks = configured.map(({ factory, options, policy, name }) => ({
      sink: factory.create(options, { logger: logger.child({ sink: name }), dataDir: config.data_dir, labels: config.labels }),
      policy,
    }));
    cleanups.push(async () => {
      await Promise.all(sinks.map(({ sink }) => sink.close?.()));
    });
    // The status page's latest events: held where events are processed (this process only).
    const recent = roles.process ? new RecentEvents() : undefined;
    const pipeline = await startPipeline({
      redis: redis.options,
      prefix: config.redis.prefix,
      roles,
      batch: { maxEvents: config.batch.max_events, maxBytes: config.batch.max_bytes, maxWaitMs: config.batch.max_wait_ms },
      processConcurrency: config.process.concurrency,
      processThreads: config.process.threads,
      processThreadHeapMb: config.process.thread_heap_mb,
      sinks,
      jobs: { lockMs: config.jobs.lock_ms, stalledCheckMs: config.jobs.stalled_check_ms },
      metrics,
      logger,
      onProcessed: recent && ((payload) => recent.add(payload)),
    });
    cleanups.push(() => pipeline.stop());
    await checkDurability(pipeline.redis, logger);

    // Measures the backlog (and keeps the queue gauges fresh) in every role; only listeners act on it.
    const { backpressure: bp } = config;
    const backpressure = new Backpressure(() => pipeline.measureBacklog(), {
      highJobs: bp.high_watermark_jobs, lowJobs: bp.low_watermark_jobs,
      highMemoryRatio: bp.high_memory_ratio, lowMemoryRatio: bp.low_memory_ratio, intervalMs: bp.check_interval_ms,
    }, logger);
    const submit: Submit = (events) => (backpressure.engaged ? Promise.reject(new BackpressureError()) : pipeline.submit(events));

    const addresses: Vigil['addresses'] = {};
    const { listen } = config;
    const listeners: Array<UdpListener | TcpListener> = [];
    const reloaders: TlsReloader[] = [];
    cleanups.push(async () => reloaders.forEach((r) => r.stop()));
    // One bucket set per listener: a peer's syslog and its webhooks are limited separately.
    const rateLimiter = (): RateLimiter | undefined => {
      const { events_per_second: perSecond, burst, max_peers: maxPeers } = listen.rate_limit;
      return perSecond > 0 ? createRateLimiter({ perSecond, burst: burst || Math.max(1, Math.ceil(perSecond * 2)), maxPeers }) : undefined;
    };
    const watchCertificates = (listener: string, files: { cert: string; key: string; ca?: string }, apply: (pem: TlsPem) => void) => {
      reloaders.push(watchTlsFiles({ listener, files, apply, metrics, logger, pollIntervalMs: listen.tls_reload_interval_ms }));
    };
    if (roles.ingest) {
      const common = {
        host: listen.host, submit: pipeline.submit, metrics, logger, maxMessageBytes: listen.max_message_bytes, shutdownGraceMs: listen.shutdown_grace_ms,
      };
      const tcpLimits = {
        maxConnections: listen.max_connections, maxConnectionsPerPeer: listen.max_connections_per_peer, idleTimeoutMs: listen.tcp_idle_timeout_ms,
      };
      // TCP senders wait (their kernel buffers fill) and UDP datagrams are dropped, counted, while engaged.
      backpressure.onChange((engaged) => listeners.forEach((l) => (engaged ? l.pause() : l.resume())));
      if (listen.syslog_udp_port !== null) {
        const udp = createUdpListener({
          ...common, port: listen.syslog_udp_port, allow: createAllowlist(listen.allow_cidrs.udp), rateLimit: rateLimiter(),
          receiveBufferBytes: listen.udp_receive_buffer_bytes,
        });
        addresses.udp = await udp.listen();
        listeners.push(udp);
      }
      if (listen.syslog_tcp_port !== null) {
        const tcp = createTcpListener({
          ...common, ...tcpLimits, port: listen.syslog_tcp_port, allow: createAllowlist(listen.allow_cidrs.tcp), rateLimit: rateLimiter(),
        });
        addresses.tcp = await tcp.listen();
        listeners.push(tcp);
      }
      if (listen.syslog_tls_port !== null) {
        const { cert, key, ca, client_auth: clientAuth } = listen.tls;
        if (!cert || !key) throw new Error('listen.syslog_tls_port is set but listen.tls.cert and listen.tls.key are not');
        const pem = readTlsFiles({ cert, key, ca });
        const tlsListener = createTcpListener({
          ...common,
          ...tcpLimits,
          port: listen.syslog_tls_port,
          allow: createAllowlist(listen.allow_cidrs.tls),
          rateLimit: rateLimiter(),
          tls: {
            ...pem, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required', handshakeTimeoutMs: listen.tls_handshake_timeout_ms,
          },
        });
        addresses.tls = await tlsListener.listen();
        listeners.push(tlsListener);
        recordExpiry(metrics, tlsListener.id, pem.cert);
        watchCertificates(tlsListener.id, { cert, key, ca }, (next) => tlsListener.setSecureContext(next));
      }
    }
    // Listeners close before the pipeline drains, so what they still hold reaches the batcher.
    cleanups.push(async () => {
      await Promise.all(listeners.map((l) => l.close()));
    });

    let stopping = false;
    const ready = () => !stopping && pipeline.redis.status === 'ready';
    if (listen.http_port !== null) {
      const { cert, key, ca, client_auth: clientAuth } = listen.http_tls;
      const pem = cert && key ? readTlsFiles({ cert, key, ca }) : undefined;
      const app = createHttpApp({
        submit,
        metrics,
        logger,
        bodyLimit: listen.http_body_limit_bytes,
        auth: { routes: resolveWebhookAuth(config.webhooks, listen.http_tls).routes },
        allow: createAllowlist(listen.allow_cidrs.http),
        rateLimit: rateLimiter(),
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
      await app.listen({ host: listen.host, port: listen.http_port });
      addresses.http = app.server.address() as AddressInfo;
      cleanups.push(() => app.close());
      if (pem && cert && key) {
        recordExpiry(metrics, 'http', pem.cert);
        watchCertificates('http', { cert, key, ca }, (next) => setHttpsContext(app, next));
      }
    }

    const { admin } = listen;
    if (admin.port !== null) {
      const pem = admin.tls.cert && admin.tls.key ? readTlsFiles({ cert: admin.tls.cert, key: admin.tls.key }) : undefined;
      const sampler = new StatusSampler(metrics, { role: config.role });
      sampler.start();
      cleanups.push(async () => sampler.stop());
      const app = createAdminApp({
        metrics, logger, ready, token: admin.token, allow: admin.allow_cidrs.length ? createAllowlist(admin.allow_cidrs) : undefined, https: pem,
        status: { sampler, recent, sendTestEvents: createTestEventSender(() => addresses) },
      });
      await app.listen({ host: admin.host, port: admin.port });
      addresses.admin = app.server.address() as AddressInfo;
      cleanups.push(() => app.close());
      if (pem && admin.tls.cert && admin.tls.key) {
        recordExpiry(metrics, ADMIN_LISTENER, pem.cert);
        watchCertificates(ADMIN_LISTENER, { cert: admin.tls.cert, key: admin.tls.key }, (next) => setHttpsContext(app, next));
      }
    }

    backpressure.start();
    cleanups.push(async () => backpressure.stop());

    return {
      addresses,
      pipeline,
      sinks: configured.map((s) => s.name),
      reloadCertificates: () => reloaders.map((r) => r.reload()).every(Boolean),
      stop: async () => {
        stopping = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
