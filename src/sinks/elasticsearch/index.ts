import type { SinkFactory } from '../kit/factory.ts';
import { BulkSink, type BulkBackend } from './sink.ts';
import { bulk, createClient, getTemplate, putTemplate } from './client.ts';
import { elasticsearchSchema, type ElasticsearchConfig } from './config.ts';
import { elasticsearchTemplate } from './template.ts';

/** The official client behind the bulk sink's calls. */
function elasticsearchBackend(config: ElasticsearchConfig): BulkBackend {
  const client = createClient(config);
  return {
    getTemplate: (name, timeoutMs) => getTemplate(client, name, timeoutMs),
    putTemplate: (name, template, timeoutMs) => putTemplate(client, name, template, timeoutMs),
    bulk: (body, timeoutMs, compress) => bulk(client, body, timeoutMs, compress),
    close: () => client.close(),
  };
}

export const elasticsearch: SinkFactory<ElasticsearchConfig> = {
  schema: elasticsearchSchema,
  env: { VIGIL_ES_URL: ['url'], VIGIL_ES_USERNAME: ['username'], VIGIL_ES_PASSWORD: ['password'], VIGIL_ES_API_KEY: ['api_key'] },
  create: (config, deps) => new BulkSink({
    name: deps.name ?? 'elasticsearch',
    product: 'Elasticsearch',
    config,
    logger: deps.logger,
    backend: elasticsearchBackend(config),
    template: elasticsearchTemplate,
  }),
};
