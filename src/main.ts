import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.ts';
import { Backpressure, BackpressureError } from './ingest/backpressure.ts';
import { createHttpApp } from './ingest/http/app.ts';
import type { Submit } from './ingest/submit.ts';
import { createTcpListener, type TcpListener } from './ingest/tcp.ts';
import { createUdpListener, type UdpListener } from './ingest/udp.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { enabledSinks } from './pipeline/enabled-sinks.ts';
import { startPipeline, type Pipeline } from './pipeline/pipeline.ts';
import { checkDurability, openRedis } from './pipeline/redis-target.ts';

export interface Vigil {
  /** Bound addresses of the listeners that run (port 0 in the config picks a free port). */
  addresses: { http?: AddressInfo; udp?: AddressInfo; tcp?: AddressInfo; tls?: AddressInfo };
  pipeline: Pipeline;
  sinks: string[];
  /** Graceful stop: stop accepting, flush what is in flight to Redis, finish jobs, stop Redis if embedded. */
  stop(): Promise<void>;
}

/** Wires one vigil process: Redis, pipeline stages for its role, listeners, health and metrics. */
export async function startVigil(config: Config, logger: Logger, metrics: Metrics): Promise<Vigil> {
  mkdirSync(config.data_dir, { recursive: true });
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
      sink: factory.create(options, { logger: logger.child({ sink: name }), dataDir: config.data_dir }),
      policy,
    }));
    cleanups.push(async () => {
      await Promise.all(sinks.map(({ sink }) => sink.close?.()));
    });
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
    if (roles.ingest) {
      const common = { host: listen.host, submit: pipeline.submit, metrics, logger, maxMessageBytes: listen.max_message_bytes };
      // TCP senders wait (their kernel buffers fill) and UDP datagrams are dropped, counted, while engaged.
      backpressure.onChange((engaged) => listeners.forEach((l) => (engaged ? l.pause() : l.resume())));
      if (listen.syslog_udp_port !== null) {
        const udp = createUdpListener({ ...common, port: listen.syslog_udp_port });
        addresses.udp = await udp.listen();
        listeners.push(udp);
      }
      if (listen.syslog_tcp_port !== null) {
        const tcp = createTcpListener({ ...common, port: listen.syslog_tcp_port, maxConnections: listen.max_connections });
        addresses.tcp = await tcp.listen();
        listeners.push(tcp);
      }
      if (listen.syslog_tls_port !== null) {
        const { cert, key, ca, client_auth: clientAuth } = listen.tls;
        if (!cert || !key) throw new Error('listen.syslog_tls_port is set but listen.tls.cert and listen.tls.key are not');
        const tlsListener = createTcpListener({
          ...common,
          port: listen.syslog_tls_port,
          maxConnections: listen.max_connections,
          tls: {
            cert: readFileSync(cert),
            key: readFileSync(key),
            ca: ca ? readFileSync(ca) : undefined,
            requestCert: clientAuth !== 'none',
            rejectUnauthorized: clientAuth === 'required',
          },
        });
        addresses.tls = await tlsListener.listen();
        listeners.push(tlsListener);
      }
    }
    // Listeners close before the pipeline drains, so what they still hold reaches the batcher.
    cleanups.push(async () => {
      await Promise.all(listeners.map((l) => l.close()));
    });

    let stopping = false;
    if (listen.http_port !== null) {
      const app = createHttpApp({
        submit,
        metrics,
        logger,
        bodyLimit: listen.http_body_limit_bytes,
        webhookToken: config.webhooks.token ?? undefined,
        ready: () => !stopping && pipeline.redis.status === 'ready',
      });
      await app.listen({ host: listen.host, port: listen.http_port });
      addresses.http = app.server.address() as AddressInfo;
      cleanups.push(() => app.close());
    }

    backpressure.start();
    cleanups.push(async () => backpressure.stop());

    return {
      addresses,
      pipeline,
      sinks: configured.map((s) => s.name),
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
