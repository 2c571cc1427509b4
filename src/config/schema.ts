import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * The single source of vigil's configuration: types, defaults and validation. YAML keys are
 * snake_case; environment variables override them (load.ts). Sink sections are validated by each
 * sink's own schema (src/sinks/<name>/config.ts) on top of the delivery keys below.
 */

/** A TCP/UDP port, or 'off' (also false/null) to disable that listener. */
const port = z
  .union([z.number().int().min(0).max(65535), z.literal('off'), z.literal(false), z.null()])
  .transform((v) => (typeof v === 'number' ? v : null))
  .describe('port number, or off');

const tls = z
  .object({
    cert: z.string().optional().describe('PEM certificate file'),
    key: z.string().optional().describe('PEM private key file'),
    ca: z.string().optional().describe('PEM CA bundle for client certificates (mTLS)'),
    client_auth: z.enum(['none', 'optional', 'required']).default('none').describe('ask for client certificates'),
  })
  .prefault({});

/**
 * Delivery policy shared by every sink (override per sink under sinks.<name>). With the defaults a
 * failing batch is retried after about 0.5, 1, 2, 4, 8, 16, 32, 60, 60 ... s (full jitter: each wait
 * is random in [0, cap]), so an event is given up to the dead-letter queue after 30 attempts, about
 * 20 minutes of outage. Raise max_attempts for longer outages: the backlog waits in Redis.
 */
export const deliverySchema = z.strictObject({
  concurrency: z.number().int().min(1).max(64).default(2).describe('batches in flight to this sink'),
  initial_backoff_ms: z.number().int().min(1).default(500),
  max_backoff_ms: z.number().int().min(1).default(60_000),
  max_attempts: z.number().int().min(1).default(30),
});
export type DeliveryPolicy = z.infer<typeof deliverySchema>;

export const configSchema = z.strictObject({
  data_dir: z.string().default('./data').describe('state: embedded Redis data, file sink output'),
  role: z.enum(['all', 'ingest', 'process', 'deliver']).default('all').describe('which stages this process runs'),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  redis: z
    .object({
      url: z.string().nullable().default(null).describe('external Redis; null starts an embedded redis-server'),
      prefix: z.string().min(1).default('vigil').describe('key prefix of every queue'),
      server_binary: z.string().default('redis-server').describe('embedded Redis executable'),
    })
    .prefault({}),
  listen: z
    .object({
      host: z.string().default('0.0.0.0').describe('bind address of all listeners'),
      http_port: port.default(8080),
      http_body_limit_bytes: z.number().int().min(1024).default(1_048_576),
      syslog_udp_port: port.default(5514),
      syslog_tcp_port: port.default(5514),
      syslog_tls_port: port.default(null),
      tls,
      max_message_bytes: z.number().int().min(480).default(65_536).describe('longer syslog messages are truncated and tagged'),
      max_connections: z.number().int().min(1).default(1000).describe('TCP/TLS connections per listener'),
    })
    .prefault({}),
  webhooks: z
    .object({ token: z.string().min(1).nullable().default(null).describe('shared secret webhooks must present') })
    .prefault({}),
  batch: z
    .object({
      max_events: z.number().int().min(1).default(500),
      max_bytes: z.number().int().min(1024).default(1_048_576).describe('raw bytes per batch before compression'),
      max_wait_ms: z.number().int().min(0).default(20),
    })
    .prefault({}),
  process: z
    .object({
      concurrency: z.number().int().min(1).max(64).default(2).describe('raw batches processed at once'),
      threads: z.number().int().min(0).max(64).default(Math.max(1, availableParallelism() - 1))
        .describe('worker threads that parse and normalise; 0 = on the main thread'),
      thread_heap_mb: z.number().int().min(32).default(96)
        .describe('old-generation heap of each process thread; raise it with http body limits over ~8 MB'),
    })
    .prefault({}),
  delivery: deliverySchema.prefault({}),
  metrics: z
    .strictObject({
      max_clusters: z.number().int().min(1).max(1000).default(10)
        .describe('distinct orchestrator.cluster.name label values in vigil_security_events_total; later ones count as _other'),
      max_namespaces: z.number().int().min(1).max(10_000).default(100)
        .describe('distinct orchestrator.namespace label values in vigil_security_events_total; later ones count as _other'),
    })
    .prefault({}),
  backpressure: z
    .strictObject({
      high_watermark_jobs: z.number().int().min(1).default(2000).describe('batches waiting in any queue that stop the listeners'),
      low_watermark_jobs: z.number().int().min(0).default(1000).describe('... and below which they take input again'),
      high_memory_ratio: z.number().min(0).max(1).default(0.8).describe('Redis used_memory/maxmemory that stops the listeners'),
      low_memory_ratio: z.number().min(0).max(1).default(0.7),
      check_interval_ms: z.number().int().min(10).default(1000),
    })
    .prefault({}),
  /** sinks.<name>: the sink's own keys (see its config.ts) plus optional delivery overrides. */
  sinks: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).default({}),
});

export type Config = z.infer<typeof configSchema>;
