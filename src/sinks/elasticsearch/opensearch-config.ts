import { z } from 'zod';
import { bulkSinkFields, withBulkSinkChecks } from './config.ts';

/**
 * `sinks.opensearch`: the Elasticsearch sink's keys for an OpenSearch 2.15 or later cluster (the
 * template uses `wildcard`), without `api_key`: OpenSearch's security plugin authenticates users
 * (internal or LDAP), not Elastic API keys. `retention_days` is an Index State Management policy
 * there (opensearch-ism.ts): OpenSearch has no data stream lifecycle.
 */
export const openSearchSchema = withBulkSinkChecks(z.object(bulkSinkFields).strict());

export type OpenSearchConfig = z.output<typeof openSearchSchema>;
