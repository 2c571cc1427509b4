import type { RouteAuth } from '../ingest/http/auth.ts';
import type { Config } from './schema.ts';

/** Webhook route kinds that can have their own auth (src/ingest/http/routes; a test keeps them in step). */
export const WEBHOOK_KINDS = ['neuvector', 'falco', 'k8s-audit', 'alertmanager', 'json'] as const;
export const WEBHOOK_AUTH_TYPES = ['token', 'bearer', 'basic', 'mtls', 'none'] as const;

export interface ResolvedWebhookAuth {
  /** Auth of every route kind, with fallbacks applied. */
  routes: Record<(typeof WEBHOOK_KINDS)[number], RouteAuth>;
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
        routes[kind] = { type };
        break;
    }
  }
  return { routes, problems };
}
