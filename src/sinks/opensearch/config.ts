import { z } from 'zod';
import { globMatches } from '../elasticsearch/config.ts';
import { httpUrl, maxBytes, MiB, timeoutMs, tlsSchema } from '../kit/config.ts';

/**
 * `sinks.opensearch`: the Elasticsearch sink's keys for an OpenSearch 2.15 or later cluster (the template uses `wildcard`),
 * without `api_key` (OpenSearch's security plugin authenticates with users, not Elastic API keys).
 */
export const openSearchSchema = z
  .object({
    /** Base URL of one node or of a load balancer in front of the cluster. */
    url: httpUrl,
    /** Write target: a data stream (matched by the installed template), an alias or an index. */
    index: z.string().min(1).default('logs-vigil.events-default'),
    /** Basic authentication (the security plugin's internal users or LDAP). */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** gzip request bodies (level 1): for a slow or metered link to the cluster. */
    compression: z.boolean().default(false),
    /** Bytes per bulk request; OpenSearch refuses above http.max_content_length (100 MB) with 413. */
    max_bytes: maxBytes(5 * MiB),
    /** A bulk that has not answered in 30 s is retried. */
    timeout_ms: timeoutMs(30_000),
    tls: tlsSchema,
    template: z
      .object({
        /** Install or upgrade the index template at start; off when the user may only write documents. */
        install: z.boolean().default(true),
        name: z.string().min(1).default('vigil-events'),
        /** Data streams the template applies to; must match `index`. */
        pattern: z.string().min(1).default('logs-vigil.events-*'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((config) => config.username === undefined || config.password !== undefined, {
    message: 'username needs a password',
  })
  .refine((config) => !config.template.install || globMatches(config.template.pattern, config.index), {
    message: 'template.pattern must match index, or the installed mappings never apply',
    path: ['template', 'pattern'],
  });

export type OpenSearchConfig = z.output<typeof openSearchSchema>;
