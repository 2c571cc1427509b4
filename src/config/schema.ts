import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseCidr } from './cidr.ts';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_MAX_ITEMS_PER_REQUEST, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, DEFAULT_UDP_RECEIVE_BUFFER_BYTES,
} from './listener-defaults.ts';
import { shown } from './issues.ts';
import { resolveWebhookAuth, webhooksSchema } from './webhook-auth.ts';
import { LOG_FORMATS } from '../telemetry/logger.ts';

/**
 * The single source of vigil's configuration: types, defaults and validation. YAML keys are
 * snake_case; environment variables override them (load.ts). Sink sections are validated by each
 * sink's own schema (src/sinks/<name>/config.ts) on top of the delivery keys below.
 */

/** A TCP/UDP port, or 'off' (also false/null) to disable that listener. */
const port = z
  .union([z.number().int().min(0).max(65535), z.literal('off'), z.literal(false), z.null()], {
    error: (issue) => `expected an integer from 0 to 65535 or "off", got ${shown(issue.input)}`,
  })
  .transform((v) => (typeof v === 'number' ? v : null))
  .describe('port number, or off');

const tlsFiles = () => z
  .strictObject({
    cert: z.string().optional().describe('PEM certificate file (chain first)'),
    key: z.string().optional().describe('PEM private key file'),
    ca: z.string().optional().describe('PEM CA bundle client certificates must chain to (mTLS)'),
    client_auth: z.enum(['none', 'optional', 'required']).default('none')
      .describe('ask for client certificates: optional verifies one when sent, required refuses clients without one'),
  })
  .prefault({});

// ---- Security: access control, limits and webhook auth (docs/security.md) ----

/** The syslog TLS port when listen.tls has a certificate and key and no port is set (RFC 5425). */
export const DEFAULT_SYSLOG_TLS_PORT = 6514;


const cidrs = z
  .array(z.string().refine((entry) => parseCidr(entry) !== undefined, { message: 'not an IP address or CIDR' }))
  .default([])
  .describe('source addresses or CIDRs allowed (IPv4 and IPv6); empty allows every source');

const allowCidrs = z
  .strictObject({
    udp: cidrs.describe('sources allowed to send syslog over UDP (others dropped, reason denied)'),
    tcp: cidrs.describe('sources allowed to connect for syslog over TCP (others closed at once, reason denied)'),
    tls: cidrs.describe('sources allowed to connect for syslog over TLS, checked before the handshake'),
    http: cidrs.describe('sources allowed on the webhook listener (others get 403)'),
  })
  .prefault({});

const rateLimit = z
  .strictObject({
    events_per_second: z.number().min(0).default(0)
      .describe('events per second per source and listener; excess syslog dropped (rate_limited); a webhook request is charged one per event of its body, then 429 until refilled; 0 = no limit'),
    burst: z.number().int().min(0).default(0).describe('events a source may send at once above the rate; 0 = twice events_per_second'),
    max_peers: z.number().int().min(1).default(10_000).describe('source addresses tracked per listener; the least recently seen is forgotten beyond it'),
  })
  .prefault({});

/**
 * Health, readiness and metrics on their own listener: plain HTTP for probes and Prometheus
 * whatever the webhooks use, with their own bind address, token and allowlist.
 */
const adminListener = z
  .strictObject({
    host: z.string().optional().describe('bind address of the admin listener; unset: listen.host'),
    port: port.default(9098).describe('GET /healthz, /readyz, /metrics, the status page /status and /tap; off disables'),
    token: z.string().min(1).optional().describe('bearer token /metrics, /status and /tap (vigil tap, vigil top) require (Authorization: Bearer, or ?token= on /status for a browser); /healthz and /readyz stay open to probes'),
    allow_cidrs: cidrs.describe('sources allowed on the admin listener (others get 403)'),
    tls: z
      .strictObject({
        cert: z.string().optional().describe('PEM certificate file: the admin listener serves HTTPS when cert and key are set'),
        key: z.string().optional().describe('PEM private key file'),
      })
      .prefault({}),
  })
  .prefault({});

/** host:port of a Redis server or sentinel; an IPv6 address in brackets ([::1]:26379). */
const hostPort = z.string().refine((value) => parseHostPort(value) !== undefined, { message: 'expected host:port' });

export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2], port };
}

/**
 * Delivery policy shared by every sink (override per sink under sinks.<name>). With the defaults a
 * failing batch is retried after about 0.5, 1, 2, 4, 8, 16, 32, 60, 60 ... s (full jitter: each wait
 * is random in [0, cap]), so an event is given up to the dead-letter queue after 30 attempts, about
 * 20 minutes of outage. Raise max_attempts for longer outages: the backlog waits in Redis.
 */
export const deliverySchema = z.strictObject({
  concurrency: z.number().int().min(1).max(64).default(2).describe('batches in flight to this sink'),
  initial_backoff_ms: z.number().int().min(1).default(500).describe('cap of the first retry wait; doubles per attempt'),
  max_backoff_ms: z.number().int().min(1).default(60_000).describe('largest retry wait (a Retry-After from the backend is honoured as a floor)'),
  max_attempts: z.number().int().min(1).default(30).describe('attempts before an event goes to the dead-letter queue (about 20 minutes with the defaults)'),
});
export type DeliveryPolicy = z.infer<typeof deliverySchema>;

export const configSchema = z.strictObject({
  data_dir: z.string().default('./data').describe('state: embedded Redis data, file sink output'),
  role: z.enum(['all', 'ingest', 'process', 'deliver']).default('all').describe('which stages this process runs'),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  log_format: z.enum(LOG_FORMATS).default('auto').describe('log lines on stdout: json (one object a line), pretty (one readable line), auto: pretty on a terminal, else json; the same fields either way'),
  redis: z
    .strictObject({
      url: z.string().nullable().default(null)
        .refine((url) => url === null || (/^rediss?:\/\//.test(url) && URL.canParse(url)), 'expected a redis:// or rediss:// URL')
        .describe('external Redis; null starts an embedded redis-server'),
      password: z.string().min(1).optional().describe('password of the external Redis (AUTH) when redis.url carries none; keep it in REDIS_PASSWORD_FILE'),
      // Redis Sentinel (https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/):
      // vigil asks the sentinels which server is the master and follows a failover without a restart.
      sentinels: z.array(hostPort).default([])
        .describe('Redis Sentinel: the sentinels as host:port (REDIS_SENTINELS: comma-separated); vigil asks them for the master of redis.master_name and follows a failover'),
      master_name: z.string().min(1).optional().describe('Redis Sentinel: the name of the monitored master set'),
      sentinel_username: z.string().min(1).optional().describe('Redis Sentinel: ACL user the sentinels require (sentinel sentinel-user), if any'),
      sentinel_password: z.string().min(1).optional().describe('Redis Sentinel: password the sentinels require (sentinel sentinel-pass / requirepass), if any; keep it in REDIS_SENTINEL_PASSWORD_FILE'),
      sentinel_tls: z.boolean().default(false).describe('Redis Sentinel: talk TLS to the sentinels too (tls-port on the sentinels), with redis.tls.ca'),
      cluster: z.array(hostPort).default([])
        .describe('Redis Cluster: some of its nodes as host:port (REDIS_CLUSTER: comma-separated); vigil finds the rest itself; each queue lives in one hash slot, queues spread by sink'),
      username: z.string().min(1).optional().describe('ACL user of the Redis servers (AUTH user password) when redis.url carries none'),
      tls: z
        .strictObject({
          enabled: z.boolean().default(false).describe('talk TLS to the Redis servers (implied by a rediss:// URL)'),
          ca: z.string().optional().describe('PEM CA bundle the Redis (and sentinel) certificates must chain to; unset: the system CAs'),
          cert: z.string().optional().describe('PEM client certificate, when the servers ask for one (tls-auth-clients)'),
          key: z.string().optional().describe('PEM private key of the client certificate'),
        })
        .prefault({}),
      // Redis replicates asynchronously: without WAIT a batch acknowledged just before the master
      // dies can be missing on the replica promoted in its place (https://redis.io/docs/latest/commands/wait/).
      min_replicas_ack: z.number().int().min(0).default(0)
        .describe('a batch counts as stored (webhook 2xx, syslog read on) only once this many replicas have it (Redis WAIT); a shortfall is a failed write: webhooks answer 503, syslog TCP waits and retries; 0 = as soon as the master has it'),
      min_replicas_timeout_ms: z.number().int().min(1).default(1000)
        .describe('how long a write waits for redis.min_replicas_ack replicas before it counts as failed'),
      prefix: z.string().min(1).default('vigil').describe('key prefix of every queue'),
      server_binary: z.string().default('redis-server').describe('embedded Redis executable'),
      connect_timeout_ms: z.number().int().min(0).default(60_000)
        .describe('at start, how long vigil retries (with backoff) to reach Redis before it exits with VIGIL_ERR_REDIS_UNAVAILABLE'),
    })
    .prefault({}),
  listen: z
    .strictObject({
      // Loopback unless told otherwise: a vigil started without thinking is reachable from this machine only.
      host: z.string().default('127.0.0.1').describe('bind address of the syslog and webhook listeners (0.0.0.0 or :: for the network)'),
      http_port: port.default(8080).describe('webhooks (and /healthz, /readyz for load balancers); off disables'),
      http_body_limit_bytes: z.number().int().min(1024).default(1_048_576).describe('larger webhook bodies get 413'),
      syslog_udp_port: port.default(5514).describe('syslog over UDP; off disables'),
      udp_receive_buffer_bytes: z.number().int().min(0).max(2 ** 31 - 1).default(DEFAULT_UDP_RECEIVE_BUFFER_BYTES)
        .describe('SO_RCVBUF of the UDP socket: what bursts can wait in while vigil reads; Linux caps it at net.core.rmem_max (docs/sources/syslog.md); 0 keeps the system default'),
      syslog_tcp_port: port.default(5514).describe('syslog over TCP (LF or octet-counted framing, per frame); off disables'),
      syslog_tls_port: port.optional().describe(`syslog over TLS (RFC 5425); unset: ${DEFAULT_SYSLOG_TLS_PORT} when listen.tls has a cert and key, else off`),
      tls: tlsFiles().describe('certificate of the syslog TLS listener'),
      max_message_bytes: z.number().int().min(480).default(65_536).describe('longer syslog messages are truncated and tagged'),
      max_connections: z.number().int().min(1).default(1000).describe('connections per listener (syslog TCP, syslog TLS, HTTP); more are refused at once'),
      // Security (grouped): HTTPS, certificate reload, allowlists, per-peer limits, JSON depth.
      http_tls: tlsFiles().describe('HTTPS for webhooks when cert and key are set (the admin listener has its own)'),
      tls_reload_interval_ms: z.number().int().min(0).default(10_000)
        .describe('how often certificate files are checked for changes (also on SIGHUP); 0 = SIGHUP only'),
      allow_cidrs: allowCidrs,
      max_connections_per_peer: z.number().int().min(1).default(100)
        .describe('connections per source and listener (syslog TCP, syslog TLS, HTTP), counted as they arrive; an IPv6 source is its /64'),
      tls_handshake_timeout_ms: z.number().int().min(100).default(DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS)
        .describe('a syslog TLS or HTTPS connection that has not finished its TLS handshake by then is closed'),
      tcp_idle_timeout_ms: z.number().int().min(0).default(300_000)
        .describe('a syslog TCP or TLS connection that sent nothing for this long is closed (also one stalled in the middle of a frame); 0 = never'),
      http_request_timeout_ms: z.number().int().min(100).default(DEFAULT_REQUEST_TIMEOUT_MS)
        .describe('a webhook request (headers and body) not received completely by then is answered 408 and closed'),
      http_connection_timeout_ms: z.number().int().min(100).default(DEFAULT_CONNECTION_TIMEOUT_MS)
        .describe('an HTTP connection that sent nothing for this long is closed (between requests, the keep-alive timeout applies)'),
      http_max_items_per_request: z.number().int().min(1).default(DEFAULT_MAX_ITEMS_PER_REQUEST)
        .describe('events one webhook body may hold (array items, NDJSON lines, EventList items, alerts); more get 413'),
      shutdown_grace_ms: z.number().int().min(0).max(60_000).default(DEFAULT_SHUTDOWN_GRACE_MS)
        .describe('at shutdown, syslog senders still sending are read for up to this long, so what they sent before it is not discarded unread'),
      rate_limit: rateLimit,
      max_json_depth: z.number().int().min(1).default(64).describe('webhook JSON nested deeper is refused with 400'),
      admin: adminListener,
    })
    .prefault({})
    .transform((listen) => ({
      ...listen,
      admin: { ...listen.admin, host: listen.admin.host ?? listen.host },
      syslog_tls_port: listen.syslog_tls_port !== undefined ? listen.syslog_tls_port
        : listen.tls.cert && listen.tls.key ? DEFAULT_SYSLOG_TLS_PORT : null,
    })),
  webhooks: webhooksSchema,
  batch: z
    .strictObject({
      // 1000 rather than 500: half the queue, Redis and bulk-request work per event, for the same
      // peak memory (npm run bench -- e2e: 18,700-18,900 vs 17,400-17,900 events/s).
      max_events: z.number().int().min(1).default(1000).describe('events per batch written to Redis'),
      max_bytes: z.number().int().min(1024).default(1_048_576).describe('raw bytes per batch before compression'),
      max_wait_ms: z.number().int().min(0).default(20).describe('longest an event waits for its batch to fill'),
    })
    .prefault({}),
  process: z
    .strictObject({
      concurrency: z.number().int().min(1).max(64).default(2).describe('raw batches processed at once'),
      threads: z.number().int().min(0).max(64).default(Math.max(1, availableParallelism() - 1))
        .describe('worker threads that parse and normalise; 0 = on the main thread')
        .meta({ default_doc: 'cores − 1, at least 1' }),
      thread_heap_mb: z.number().int().min(32).default(96)
        .describe('old-generation heap of each process thread; raise it with http body limits over ~8 MB'),
    })
    .prefault({}),
  delivery: deliverySchema.prefault({}),
  jobs: z
    .strictObject({
      lock_ms: z.number().int().min(1000).default(30_000)
        .describe('a worker holds each job under a lock it renews every lock_ms/2; a crashed process\'s jobs are taken over once it expires'),
      // BullMQ's default is 30 s; a check is one short script, and it bounds how long the
      // acknowledged events of a crashed process wait: about lock_ms + up to 2 checks.
      stalled_check_ms: z.number().int().min(100).default(10_000)
        .describe('how often workers look for jobs whose lock expired (a crashed process\'s) and queue them again'),
    })
    .prefault({}),
  nodes: z
    .strictObject({
      heartbeat_interval_ms: z.number().int().min(100).max(60_000).default(5_000)
        .describe('how often each vigil process writes its entry (role, version, sinks, status) to the node registry in Redis; after 3 missed intervals it no longer counts'),
      sink_set_check: z.enum(['refuse', 'warn']).default('refuse')
        .describe('a node whose enabled sinks differ from a live node\'s refuses to start (refuse), or only logs it (warn: for the one rollout that changes the sink set)'),
    })
    .prefault({}),
  // Label values come from here, never from what senders write: anyone who can send an event
  // could otherwise fill a bounded label set first, or grow Loki's stream count without bound.
  labels: z
    .strictObject({
      clusters: z.array(z.string().min(1)).max(1000).default([])
        .describe('orchestrator.cluster.name values kept as the cluster label of vigil_security_events_total and of Loki streams; any other value is _other'),
      namespaces: z.array(z.string().min(1)).max(10_000).default([])
        .describe('orchestrator.namespace values kept as the namespace label of vigil_security_events_total and of Loki streams; any other value is _other'),
    })
    .prefault({}),
  backpressure: z
    .strictObject({
      high_watermark_jobs: z.number().int().min(1).default(2000).describe('batches waiting in any queue that stop the listeners'),
      low_watermark_jobs: z.number().int().min(0).default(1000).describe('... and below which they take input again'),
      high_memory_ratio: z.number().min(0).max(1).default(0.8).describe('Redis used_memory/maxmemory that stops the listeners'),
      low_memory_ratio: z.number().min(0).max(1).default(0.7).describe('... and below which they take input again'),
      check_interval_ms: z.number().int().min(10).default(1000).describe('how often the backlog and Redis memory are measured'),
    })
    .prefault({}),
  /** sinks.<name>: the sink's own keys (see its config.ts) plus optional delivery overrides. */
  sinks: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).default({}),
}).superRefine((config, ctx) => {
  // Keys that only make sense together, checked here so check-config names them before a start fails.
  // This also runs when other keys failed, before the listen transform: undefined means not set.
  const { listen } = config;
  if (listen.syslog_tls_port != null && (!listen.tls.cert || !listen.tls.key)) {
    ctx.addIssue({ code: 'custom', path: ['listen', 'syslog_tls_port'], message: 'syslog over TLS needs listen.tls.cert and listen.tls.key' });
  }
  if (Boolean(listen.admin.tls.cert) !== Boolean(listen.admin.tls.key)) {
    ctx.addIssue({ code: 'custom', path: ['listen', 'admin', 'tls'], message: 'cert and key go together' });
  }
  for (const name of ['tls', 'http_tls'] as const) {
    const files = listen[name];
    if (Boolean(files.cert) !== Boolean(files.key)) {
      ctx.addIssue({ code: 'custom', path: ['listen', name], message: 'cert and key go together' });
    }
    if (files.client_auth !== 'none' && !files.ca) {
      ctx.addIssue({ code: 'custom', path: ['listen', name, 'ca'], message: `client_auth ${files.client_auth} needs a CA to verify client certificates` });
    }
  }
  const { redis } = config;
  const modes = [redis.url ? 'redis.url' : '', redis.sentinels.length ? 'redis.sentinels' : '', redis.cluster.length ? 'redis.cluster' : ''].filter(Boolean);
  if (modes.length > 1) ctx.addIssue({ code: 'custom', path: ['redis'], message: `${modes.join(' and ')} exclude each other: one Redis, one Sentinel set or one Cluster` });
  if (redis.sentinels.length && !redis.master_name) ctx.addIssue({ code: 'custom', path: ['redis', 'master_name'], message: 'redis.sentinels needs the master set\'s name (REDIS_SENTINEL_MASTER)' });
  if (Boolean(redis.tls.cert) !== Boolean(redis.tls.key)) ctx.addIssue({ code: 'custom', path: ['redis', 'tls'], message: 'cert and key go together' });
  for (const problem of resolveWebhookAuth(config.webhooks, listen.http_tls).problems) {
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  }
});

export type Config = z.infer<typeof configSchema>;
