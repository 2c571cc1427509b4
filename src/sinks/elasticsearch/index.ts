import type { Client } from '@elastic/elasticsearch';
import type { Logger } from '../../observability/logger.ts';
import type { SinkDeps, SinkFactory } from '../index.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { classifyBulk } from './classify.ts';
import { bulk, createClient, getTemplate, putTemplate } from './client.ts';
import { elasticsearchSchema, type ElasticsearchConfig } from './config.ts';
import { jsonBytes } from '../kit/json-bytes.ts';
import { oneLine } from '../kit/one-line.ts';
import { bulkBodyFromParts, bulkParts } from './encode.ts';
import { indexTemplate, installedVersion, TEMPLATE_VERSION } from './template.ts';

export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';
  readonly #config: ElasticsearchConfig;
  readonly #logger: Logger;
  readonly #client: Client;

  constructor(config: ElasticsearchConfig, deps: Pick<SinkDeps, 'logger'>) {
    this.#config = config;
    this.#logger = deps.logger;
    this.#client = createClient(config);
  }

  /**
   * Installs the index template unless an equal or newer one is there; safe to run on every start.
   * Fails (and vigil retries start later) rather than write without it: the built-in logs-*-*
   * template would map Falco's output_fields as objects and dead-letter half the alerts.
   */
  async start(): Promise<void> {
    const { install, name, pattern } = this.#config.template;
    if (!install) return;
    try {
      const current = installedVersion(await getTemplate(this.#client, name, this.#config.timeout_ms));
      if (current >= TEMPLATE_VERSION) return;
      await putTemplate(this.#client, name, indexTemplate(pattern), this.#config.timeout_ms);
      this.#logger.info({ template: name, version: TEMPLATE_VERSION, previous: current }, 'Installed the Elasticsearch index template');
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const hint = status === 401 || status === 403
        ? ': the user needs the manage_index_templates privilege, or set template.install: false and install it yourself'
        : '';
      const why = (error as Error)?.message ? `: ${(error as Error).message.slice(0, 300)}` : '';
      throw new Error(`Could not install the index template ${name}${status ? ` (HTTP ${status})` : ''}${hint}${why}`, { cause: error });
    }
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    // Events straight from a sink batch carry their JSON as bytes: copied into the body as they are.
    const items = events.map((event) => bulkParts(event.id, jsonBytes(event) ?? Buffer.from(oneLine(event.json))));
    return sendBatch(items, {
      sizeOf: (item) => item.bytes,
      maxBytes: this.#config.max_bytes,
      attempt: async (group) => {
        const body = bulkBodyFromParts(group);
        const reply = await bulk(this.#client, this.#config.index, body, this.#config.timeout_ms, this.#config.compression);
        return classifyBulk(reply, group.length);
      },
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

export const elasticsearch: SinkFactory<ElasticsearchConfig> = {
  schema: elasticsearchSchema,
  create: (config, deps) => new ElasticsearchSink(config, deps),
};
