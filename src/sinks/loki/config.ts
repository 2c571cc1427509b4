import { z } from 'zod';
import { httpUrl, maxBytes, MiB, timeoutMs, tlsSchema } from '../kit/config.ts';

/** Loki's default max_label_names_per_series is 15; vigil sets up to 6 labels itself. */
const MAX_STATIC_LABELS = 9;

/** `sinks.loki`: the push endpoint and the few labels vigil's streams carry. */
export const lokiSchema = z
  .object({
    url: httpUrl.describe('Loki (or gateway) base URL; /loki/api/v1/push is added'),
    tenant: z.string().min(1).max(150).optional().describe('X-Scope-OrgID, for multi-tenant Loki'),
    /**
     * Static labels on every stream, e.g. { env: "prod" }. Keep them low-cardinality; names are
     * sanitised to Loki's [a-zA-Z_][a-zA-Z0-9_]*. `job` (default "vigil") may be overridden here.
     */
    labels: z
      .record(z.string().min(1), z.string())
      .default({})
      .refine((labels) => Object.keys(labels).length <= MAX_STATIC_LABELS, `at most ${MAX_STATIC_LABELS} static labels`)
      .describe('static labels on every stream, e.g. { env: prod }; `job` defaults to vigil'),
    basic_auth: z
      .object({ username: z.string().min(1).describe('basic authentication user'), password: z.string().describe('basic authentication password') })
      .strict()
      .optional(),
    bearer_token: z.string().min(1).optional().describe('bearer token instead of basic_auth'),
    /**
     * Attach {event_id, workload} as structured metadata (Loki 3 / schema v13). Turn off for older Loki,
     * which refuses entries that carry it.
     */
    structured_metadata: z.boolean().default(true).describe('attach event_id and the workload key as structured metadata (Loki 3); off for older Loki'),
    /** gzip push bodies (Loki accepts gzip and deflate). */
    compression: z.boolean().default(false).describe('gzip push bodies'),
    /** Bytes per push; Loki's per-stream rate limit (3 MB/s) makes larger pushes pointless. */
    max_bytes: maxBytes(1 * MiB),
    timeout_ms: timeoutMs(30_000),
    tls: tlsSchema,
  })
  .strict()
  .refine((config) => !(config.basic_auth && config.bearer_token), { message: 'Set either basic_auth or bearer_token, not both' });

export type LokiConfig = z.output<typeof lokiSchema>;
