import type { Logger } from '../../observability/logger.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { classifyBulk } from './classify.ts';
import type { BulkReply } from './classify.ts';
import { BufferPool } from '../kit/buffer-pool.ts';
import { bulkBodyFromParts, bulkItem } from './encode.ts';
import { installedVersion, TEMPLATE_VERSION, type IndexTemplate } from './template.ts';

/**
 * The calls a bulk sink makes to its backend. Elasticsearch and OpenSearch speak the same bulk
 * and index-template APIs but need different clients (the Elasticsearch client refuses any
 * server that does not say `x-elastic-product: Elasticsearch`); encoding, classification and
 * template upgrades stay one piece of code above this.
 */
export interface BulkBackend {
  /** The installed template of that name, or undefined when there is none. Throws with `statusCode` on HTTP errors. */
  getTemplate(name: string, timeoutMs: number): Promise<{ version?: number; _meta?: Record<string, unknown> } | undefined>;
  putTemplate(name: string, template: IndexTemplate, timeoutMs: number): Promise<void>;
  /** One POST /<index>/_bulk with a ready NDJSON body, never throwing: every answer becomes a BulkReply. */
  bulk(index: string, body: Buffer, timeoutMs: number, compress: boolean): Promise<BulkReply>;
  close(): Promise<void>;
}

/** What a bulk sink needs of its config section. */
export interface BulkSinkConfig {
  index: string;
  compression: boolean;
  max_bytes: number;
  timeout_ms: number;
  template: { install: boolean; name: string; pattern: string };
}

export interface BulkSinkOptions {
  /** Registry name: metrics, queue and dead-letter queue are named after it. */
  name: string;
  /** For people reading logs and errors: "Elasticsearch", "OpenSearch". */
  product: string;
  config: BulkSinkConfig;
  logger: Logger;
  backend: BulkBackend;
  /** The index template body for a pattern, in the backend's dialect. */
  template(pattern: string): IndexTemplate;
}

/** Bulk `create` with the event id as `_id`: a redelivered event is a 409, counted as delivered. */
export class BulkSink implements Sink {
  readonly name: string;
  readonly #options: BulkSinkOptions;
  /** Two bodies: one per batch in flight at the default delivery concurrency. */
  readonly #bodies: BufferPool;

  constructor(options: BulkSinkOptions) {
    this.name = options.name;
    this.#options = options;
    this.#bodies = new BufferPool(2, options.config.max_bytes);
  }

  /**
   * Installs the index template unless an equal or newer one is there; safe to run on every start.
   * Fails (and vigil retries start later) rather than write without it: the built-in logs-*-*
   * template would map Falco's output_fields as objects and dead-letter half the alerts.
   */
  async start(): Promise<void> {
    const { config, backend, logger, product } = this.#options;
    const { install, name, pattern } = config.template;
    if (!install) return;
    try {
      const current = installedVersion(await backend.getTemplate(name, config.timeout_ms));
      if (current >= TEMPLATE_VERSION) return;
      await backend.putTemplate(name, this.#options.template(pattern), config.timeout_ms);
      logger.info({ template: name, version: TEMPLATE_VERSION, previous: current }, `Installed the ${product} index template`);
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
    const { config, backend } = this.#options;
    const items = events.map(bulkItem);
    return sendBatch(items, {
      sizeOf: (item) => item.bytes,
      maxBytes: config.max_bytes,
      attempt: async (group) => {
        const body = bulkBodyFromParts(group, (size) => this.#bodies.take(size));
        const reply = await backend.bulk(config.index, body, config.timeout_ms, config.compression);
        // A bulk answer means the backend read the whole body; after a failure a socket may still hold it.
        if (reply.kind === 'reply') this.#bodies.give(body);
        return classifyBulk(reply, group.length);
      },
    });
  }

  async close(): Promise<void> {
    await this.#options.backend.close();
  }
}
