import { isIP } from 'node:net';
import type { RouteAuth } from '../ingest/http/auth.ts';
import type { Config } from './schema.ts';

/** Webhook route kinds that can have their own auth (src/ingest/http/routes; a test keeps them in step). */
export const WEBHOOK_KINDS = ['neuvector', 'falco', 'k8s-audit', 'alertmanager', 'json'] as const;
export const WEBHOOK_AUTH_TYPES = ['token', 'bearer', 'basic', 'mtls', 'none'] as const;

export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export interface ResolvedWebhookAuth {
  /** Auth of every route kind, with fallbacks applied. */
  routes: Record<WebhookKind, RouteAuth>;
  /** Routes whose `none` was written for that route (webhooks.routes.<kind>.auth: none), not fallen into. */
  explicitNone: Set<WebhookKind>;
  /** Routes whose auth cannot work as configured, each as `key.path: why`. */
  problems: Array<{ path: string[]; message: string }>;
}

/**
 * webhooks.* → the auth of each route. A route takes its own keys first, then the webhooks.*
 * defaults: its auth type is webhooks.routes.<kind>.auth, else `token` when it has its own token,
 * `basic` when it has its own password, else webhooks.auth, else `token` when webhooks.token is
 * set, else `none`.
 */
export function resolveWebhookAuth(webhooks: Config['webhooks'], httpTls: Config['listen']['http_tls']): ResolvedWebhookAuth {
  const problems: ResolvedWebhookAuth['problems'] = [];
  const routes = {} as ResolvedWebhookAuth['routes'];
  const explicitNone = new Set<WebhookKind>();
  for (const kind of WEBHOOK_KINDS) {
    const own = webhooks.routes[kind];
    const path = ['webhooks', 'routes', kind, 'auth'];
    const type = own.auth
      ?? (own.token ? 'token' : own.password ? 'basic' : undefined)
      ?? webhooks.auth
      ?? (webhooks.token ? 'token' : 'none');
    const token = own.token ?? webhooks.token ?? undefined;
    const username = own.username ?? webhooks.username;
    const password = own.password ?? webhooks.password;
    switch (type) {
      case 'token':
      case 'bearer':
        if (!token) problems.push({ path, message: `${type} auth needs webhooks.routes.${kind}.token or webhooks.token` });
        routes[kind] = { type, token: token ?? '' };
        break;
      case 'basic':
        if (!username || !password) problems.push({ path, message: `basic auth needs a username and password (webhooks.routes.${kind}.* or webhooks.*)` });
        routes[kind] = { type, username: username ?? '', password: password ?? '' };
        break;
      case 'mtls':
        if (!httpTls.cert || !httpTls.key || !httpTls.ca || httpTls.client_auth === 'none') {
          problems.push({ path, message: 'mtls auth needs HTTPS with client certificates: listen.http_tls.cert, key, ca and client_auth optional or required' });
        }
        routes[kind] = { type };
        break;
      case 'none':
        if (own.auth === 'none') explicitNone.add(kind);
        routes[kind] = { type };
        break;
    }
  }
  return { routes, explicitNone, problems };
}

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
    warnings.push(`GET /metrics (which detections fired, per cluster and namespace) is readable by any address on ${admin.host}:${admin.port}: `
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
