import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import { createAllowlist } from '../ingest/access/allowlist.ts';
import { bind } from '../ingest/bind.ts';
import { setHttpsContext } from '../ingest/http/app.ts';
import { readPem, recordExpiry } from '../ingest/tls-context.ts';
import { ADMIN_LISTENER, createAdminApp, type AdminAppOptions } from '../admin/admin.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Certificates } from './certificates.ts';

export interface AdminListenerDeps {
  metrics: Metrics;
  logger: Logger;
  ready: () => boolean;
  sinkProblems: AdminAppOptions['sinkProblems'];
  status: AdminAppOptions['status'];
  tap: AdminAppOptions['tap'];
}

/** The admin listener (health, metrics, status, tap), bound; undefined when listen.admin.port is null. */
export async function startAdminListener(config: Config, deps: AdminListenerDeps): Promise<FastifyInstance | undefined> {
  const { host, port, tls, token, allow_cidrs: allowCidrs } = config.listen.admin;
  if (port === null) return undefined;
  const { metrics } = deps;
  const pem = tls.cert && tls.key ? readPem('listen.admin.tls', { cert: tls.cert, key: tls.key }) : undefined;
  const admin = createAdminApp({
    ...deps, token, allow: allowCidrs.length ? createAllowlist(allowCidrs) : undefined, https: pem,
  });
  try {
    await bind('admin.port', host, port, () => admin.listen({ host, port }));
  } catch (error) {
    await admin.close().catch(() => undefined);
    throw error;
  }
  if (pem) recordExpiry(metrics, ADMIN_LISTENER, pem.cert);
  return admin;
}

/** Once the pipeline runs: the listener's address, and its certificate reloaded when the files change. */
export function watchAdminListener(config: Config, admin: FastifyInstance, certificates: Certificates): AddressInfo {
  const { cert, key } = config.listen.admin.tls;
  if (cert && key) certificates.watch(ADMIN_LISTENER, { cert, key }, (next) => setHttpsContext(admin, next));
  return admin.server.address() as AddressInfo;
}
