import { z } from 'zod';
import { WEBHOOK_ROUTES } from '../webhook-routes/index.ts';

/** Webhook route kinds, each with its own auth keys, as the routes declare them. */
export const WEBHOOK_KINDS: readonly WebhookKind[] = WEBHOOK_ROUTES.map((route) => route.kind);
export const WEBHOOK_AUTH_TYPES = ['token', 'bearer', 'basic', 'mtls', 'none'] as const;

/** A route's path segment under /ingest/ (src/webhook-routes). */
export type WebhookKind = string;

/**
 * How one webhook route authenticates its sender, chosen to fit what the sender can do:
 * - `token`: a shared secret as `Authorization: Bearer <t>`, `?token=<t>` or the path
 *   `/ingest/<kind>/<t>` (NeuVector and Falco cannot set headers);
 * - `bearer`: only the `Authorization: Bearer <t>` header (Kubernetes, Alertmanager);
 * - `basic`: `Authorization: Basic` with a username and password;
 * - `mtls`: a client certificate the HTTPS listener verified against its CA (Falco);
 * - `none`: anyone the allowlist lets through.
 */
export type RouteAuth =
  | { type: 'none' }
  | { type: 'token'; token: string }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'mtls' };

/** One route's own auth; every key falls back to the webhooks.* key of the same name. */
const routeAuth = (kind: string) => z
  .strictObject({
    auth: z.enum(WEBHOOK_AUTH_TYPES).optional().describe(`how /ingest/${kind} authenticates its sender [webhooks.auth]`),
    token: z.string().min(1).optional().describe(`/ingest/${kind}'s own token (token and bearer auth) [webhooks.token]`),
    username: z.string().min(1).optional().describe(`/ingest/${kind}'s own basic-auth username [webhooks.username]`),
    password: z.string().min(1).optional().describe(`/ingest/${kind}'s own basic-auth password [webhooks.password]`),
  })
  .prefault({});

/** webhooks.*: the shared credentials and each route's own auth. */
export const webhooksSchema = z
  .strictObject({
    token: z.string().min(1).nullable().default(null).describe('shared secret webhooks must present (token and bearer auth)'),
    auth: z.enum(WEBHOOK_AUTH_TYPES).optional().describe('default auth of every route; unset: token when webhooks.token is set, else none'),
    username: z.string().min(1).optional().describe('basic-auth username for routes with basic auth'),
    password: z.string().min(1).optional().describe('basic-auth password for routes with basic auth'),
    // One key per route (not a record), so each has its documented keys and environment variables.
    routes: z
      .strictObject(Object.fromEntries(WEBHOOK_KINDS.map((kind) => [kind, routeAuth(kind)])))
      .prefault({})
      .describe('per-route auth, falling back to the keys above'),
  })
  .prefault({});

export type WebhooksConfig = z.output<typeof webhooksSchema>;

/** The HTTPS listener's certificate files (listen.http_tls): mtls auth needs client certificates. */
export interface HttpsFiles {
  cert?: string;
  key?: string;
  ca?: string;
  client_auth: 'none' | 'optional' | 'required';
}

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
export function resolveWebhookAuth(webhooks: WebhooksConfig, httpTls: HttpsFiles): ResolvedWebhookAuth {
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
