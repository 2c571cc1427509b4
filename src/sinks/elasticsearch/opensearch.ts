import { BulkSink } from './sink.ts';
import type { SinkFactory } from '../kit/factory.ts';
import { openSearchBackend } from './opensearch-client.ts';
import { openSearchSchema, type OpenSearchConfig } from './opensearch-config.ts';
import { openSearchTemplate } from './opensearch-template.ts';

/**
 * The Elasticsearch sink's encoding and per-item verdicts against OpenSearch: its own registry
 * name, so one vigil can feed an Elasticsearch and an OpenSearch cluster at once, each with its
 * own queue, retries and dead-letter queue.
 */
export const opensearch: SinkFactory<OpenSearchConfig> = {
  schema: openSearchSchema,
  env: { VIGIL_OPENSEARCH_URL: ['url'], VIGIL_OPENSEARCH_USERNAME: ['username'], VIGIL_OPENSEARCH_PASSWORD: ['password'] },
  create: (config, deps) => new BulkSink({
    name: deps.name ?? 'opensearch',
    product: 'OpenSearch',
    config,
    logger: deps.logger,
    backend: openSearchBackend(config),
    template: openSearchTemplate,
  }),
};
