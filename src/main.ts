import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/schema.ts';
import { BackpressureError } from './ingest/backpressure.ts';
import { startSyslogListeners } from './ingest/syslog-listeners.ts';
import type { Submit } from './pipeline/submit.ts';
import type { TcpListener } from './ingest/tcp.ts';
import type { UdpListener } from './ingest/udp.ts';
import type { Logger } from './telemetry/logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import { enabledSinks } from './config/enabled-sinks.ts';
import type { Pipeline } from './pipeline/pipeline.ts';
import { RecentEvents } from './admin/status-recent.ts';
import type { TapHub } from './admin/tap-hub.ts';
import { StatusSampler } from './admin/status-state.ts';
import { createTestEventSender } from './admin/status-test-events.ts';
import { VigilError } from './config/errors.ts';
import { joinDeployment, type JoinedNode } from './admin/node-join.ts';
import { requireSharedRedis } from './admin/node-guards.ts';
import { runCleanups, type Cleanups } from './roles/shutdown.ts';
import { Certificates } from './roles/certificates.ts';
import { startWebhookListener, watchWebhookListener } from './roles/webhook-listener.ts';
import { startAdminListener, watchAdminListener } from './roles/admin-listener.ts';
import { connectRedis } from './roles/redis.ts';
import { startStages } from './roles/stages.ts';
import { createBackpressure } from './roles/backpressure.ts';

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
 * Starts one vigil process: health and webhooks (answering not ready until the rest runs), Redis,
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
  const sinkNames = configured.map((s) => s.name);
  // The status page's latest events: held where events are processed (this process only).
  const recent = roles.process ? new RecentEvents({ sinks: configured }) : undefined;
  const cleanups: Cleanups = [];
  let pipeline: Pipeline | undefined;
  let node: JoinedNode | undefined;
  let tapHub: TapHub | undefined;
  let submit: Submit | undefined;
  let stopping = false;
  // Listeners bound but not yet on `cleanups`: a failed start closes them.
  let closeApp: (() => Promise<void>) | undefined;
  let closeAdmin: (() => Promise<void>) | undefined;
  const ready = () => !stopping && pipeline?.redis.status === 'ready';
  const addresses: Vigil['addresses'] = {};
  // Rates and sink health for the status page and for this node's entry in the node registry.
  const sampler = new StatusSampler(metrics, { role: config.role });
  sampler.start();
  cleanups.push(async () => sampler.stop());
  try {
    // HTTP first: a port in use fails the start at once, and while Redis is awaited /healthz
    // answers, /readyz says 503 and webhooks get 503 + Retry-After.
    const app = await startWebhookListener(config, { metrics, logger, ready, submit: () => submit });
    closeApp = app && (() => app.close());
    const admin = await startAdminListener(config, {
      metrics, logger, ready, sinkProblems: () => pipeline?.sinkProblems(),
      status: {
        sampler, recent, sendTestEvents: createTestEventSender(() => addresses),
        nodes: () => node?.list() ?? Promise.resolve([]),
      },
      tap: { hub: () => tapHub },
    });
    closeAdmin = admin && (() => admin.close());

    const redis = await connectRedis(config, logger, cleanups);
    // Before any worker runs: a node that does not fit the deployment refuses to start.
    node = await joinDeployment({
      config, redis: redis.endpoint, sinks: sinkNames, logger,
      admin: admin?.server.address() as AddressInfo | undefined,
      status: () => sampler.snapshot(),
    });
    const joined = node;
    cleanups.push(() => joined.leave());
    const stages = await startStages(config, { roles, sinks: configured, redis, metrics, logger, recent, tapReaders: !!admin }, cleanups);
    const started = stages.pipeline;
    pipeline = started;
    tapHub = stages.tapHub;

    const backpressure = createBackpressure(config, started, logger);
    const certificates = new Certificates({ metrics, logger, pollIntervalMs: config.listen.tls_reload_interval_ms });
    cleanups.push(async () => certificates.stop());
    const listeners: Array<UdpListener | TcpListener> = [];
    if (roles.ingest) {
      const syslog = await startSyslogListeners(config.listen, { submit: started.submit, metrics, logger, watchCertificates: certificates.watch });
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
      addresses.http = watchWebhookListener(config, app, certificates);
    }
    submit = (events) => (backpressure.engaged ? Promise.reject(new BackpressureError()) : started.submit(events));
    if (admin) {
      cleanups.push(closeAdmin!);
      closeAdmin = undefined;
      addresses.admin = watchAdminListener(config, admin, certificates);
    }
    backpressure.start();
    cleanups.push(async () => backpressure.stop());

    return {
      addresses,
      pipeline: started,
      sinks: sinkNames,
      reloadCertificates: () => certificates.reload(),
      stop: async () => {
        stopping = true;
        await runCleanups(cleanups, logger);
      },
    };
  } catch (error) {
    stopping = true;
    await closeApp?.().catch(() => undefined);
    await closeAdmin?.().catch(() => undefined);
    await runCleanups(cleanups, logger);
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
