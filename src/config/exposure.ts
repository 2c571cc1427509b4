import { isIP } from 'node:net';
import type { Config } from './schema.ts';
import { resolveWebhookAuth, WEBHOOK_KINDS, type WebhookKind } from './webhook-auth.ts';

/**
 * Whether a bind address only takes connections from this machine. `0.0.0.0`, `::` and any
 * other address or host name count as reachable from the network.
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare.startsWith('::ffff:127.');
}

/**
 * Routes that would take unauthenticated events from the network without the config saying so:
 * their auth fell through to `none` and the webhook listener binds a non-loopback address. vigil
 * refuses to start with any (a forged event is indistinguishable from a real one downstream).
 */
export function implicitlyOpenRoutes(config: Pick<Config, 'listen' | 'webhooks'>): WebhookKind[] {
  if (config.listen.http_port === null || isLoopback(config.listen.host)) return [];
  const { routes, explicitNone } = resolveWebhookAuth(config.webhooks, config.listen.http_tls);
  return WEBHOOK_KINDS.filter((kind) => routes[kind].type === 'none' && !explicitNone.has(kind));
}

/** The one line that names the open routes and the ways to close (or knowingly open) them. */
export function openRoutesMessage(host: string, kinds: readonly WebhookKind[]): string {
  return `webhook routes ${kinds.map((k) => `/ingest/${k}`).join(', ')} would accept unauthenticated events on ${host}: `
    + 'set webhooks.token (VIGIL_WEBHOOK_TOKEN) or a route auth, bind listen.host to 127.0.0.1, '
    + `or write webhooks.routes.<kind>.auth: none (VIGIL_WEBHOOK_<KIND>_AUTH=none) for each route meant to be open`;
}

/**
 * What check-config prints and vigil logs at start about who may send and read: one warning per
 * listener that takes events from the network without authenticating them, and for metrics open
 * to the network.
 */
export function exposureWarnings(config: Pick<Config, 'listen' | 'webhooks'>): string[] {
  const { listen } = config;
  const warnings: string[] = [];
  const { admin } = listen;
  if (admin.port !== null && !isLoopback(admin.host) && !admin.token && !admin.allow_cidrs.length) {
    warnings.push(`GET /metrics (which detections fired, per cluster and namespace) and /status (the latest events themselves) are readable by any address on ${admin.host}:${admin.port}: `
      + 'set listen.admin.token (VIGIL_ADMIN_TOKEN) or listen.admin.allow_cidrs, or bind listen.admin.host to 127.0.0.1');
  }
  if (isLoopback(listen.host)) return warnings;
  if (listen.http_port !== null) {
    const { routes } = resolveWebhookAuth(config.webhooks, listen.http_tls);
    const open = WEBHOOK_KINDS.filter((kind) => routes[kind].type === 'none');
    if (open.length) {
      const limited = listen.allow_cidrs.http.length ? `only from listen.allow_cidrs.http (${listen.allow_cidrs.http.join(', ')})` : 'from any address';
      warnings.push(`webhook routes ${open.map((k) => `/ingest/${k}`).join(', ')} take unauthenticated events on ${listen.host}:${listen.http_port}, ${limited} (auth: none)`);
    }
  }
  const syslog: Array<[string, number | null, string[]]> = [
    ['UDP', listen.syslog_udp_port, listen.allow_cidrs.udp],
    ['TCP', listen.syslog_tcp_port, listen.allow_cidrs.tcp],
    ['TLS', listen.tls.client_auth === 'required' ? null : listen.syslog_tls_port, listen.allow_cidrs.tls],
  ];
  for (const [name, port, allow] of syslog) {
    if (port === null || allow.length) continue;
    warnings.push(`syslog over ${name} takes unauthenticated events from any address on ${listen.host}:${port}: `
      + `restrict it with listen.allow_cidrs.${name.toLowerCase()}${name === 'TLS' ? ' or listen.tls.client_auth: required' : ''}, or bind listen.host to 127.0.0.1`);
  }
  return warnings;
}
