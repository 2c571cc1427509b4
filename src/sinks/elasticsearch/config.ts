import { z } from 'zod';
import { NAMESPACE_PATTERN } from './data-stream.ts';
import { httpUrl, maxBytes, MiB, timeoutMs, tlsSchema } from '../kit/config.ts';

/**
 * The keys every bulk sink shares (`sinks.elasticsearch`, `sinks.opensearch`): where and how vigil
 * bulk-writes events, and the index template it installs.
 */
export const bulkSinkFields = {
  url: httpUrl.describe('base URL of one node or of a load balancer in front of the cluster'),
  /**
   * Each event goes to the data stream `logs-<event.dataset>-<namespace>` (data-stream.ts), which
   * vigil's index template covers; the namespace tells apart environments or tenants.
   */
  namespace: z.string().regex(NAMESPACE_PATTERN, 'expected lowercase letters, digits, _ and . (no -), at most 100').default('default')
    .describe('data stream namespace: events go to logs-<event.dataset>-<namespace>'),
  username: z.string().min(1).optional().describe('basic authentication user'),
  password: z.string().optional().describe('basic authentication password'),
  /**
   * gzip request bodies (level 1): bulk JSON shrinks about sevenfold for some CPU. Off by default,
   * as in the official client: turn it on when the cluster is across a slow or metered link.
   */
  compression: z.boolean().default(false).describe('gzip request bodies (level 1); on for a remote or metered link'),
  /** Elastic advises a few MiB per bulk; both servers refuse above http.max_content_length (100 MB) with 413. */
  max_bytes: maxBytes(5 * MiB),
  /** The 9.x client has no default timeout; a bulk that has not answered in 30 s is retried. */
  timeout_ms: timeoutMs(30_000),
  tls: tlsSchema,
  /**
   * Days a document is kept: a data stream lifecycle on Elasticsearch (data_retention), an Index
   * State Management policy on OpenSearch; whole backing indices are deleted once older. Unset:
   * the cluster's own lifecycle (on Elasticsearch the `logs` ILM policy of logs@settings rolls
   * over and keeps everything).
   */
  retention_days: z.number().int().positive().optional().describe('days to keep documents (Elasticsearch data stream lifecycle, OpenSearch ISM policy); unset keeps them'),
  template: z
    .object({
      install: z.boolean().default(true).describe('install or upgrade the index template at start'),
      name: z.string().min(1).default('vigil-events').describe('index template name'),
    })
    .strict()
    .prefault({}),
};

type BulkSinkKeys = { username?: string; password?: string };

/** Checks across keys that zod's per-key types cannot express. */
export function withBulkSinkChecks<S extends z.ZodType<BulkSinkKeys>>(schema: S) {
  return schema
    .refine((config) => config.username === undefined || config.password !== undefined, {
      message: 'username needs a password',
    });
}

/**
 * `sinks.elasticsearch`: Elasticsearch 8.x and 9.x servers (the client sends plain media types,
 * see client.ts).
 */
export const elasticsearchSchema = withBulkSinkChecks(
  z
    .object({
      ...bulkSinkFields,
      api_key: z.string().min(1).optional().describe('API key instead of username/password: the base64 "id:key" Kibana shows'),
    })
    .strict()
    .refine((config) => !(config.api_key && config.username), {
      message: 'Set either api_key or username/password, not both',
    }),
);

export type ElasticsearchConfig = z.output<typeof elasticsearchSchema>;
