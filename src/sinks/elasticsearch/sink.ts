import type { Logger } from '../../telemetry/logger.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { classifyBulk } from './classify.ts';
import type { BulkReply } from './classify.ts';
import { BufferPool } from '../kit/buffer-pool.ts';
import { bulkBodyFromParts, bulkItem, streamTarget, type StreamTarget } from './encode.ts';
import { DATA_STREAM_TYPE, dataStreamName, datasetPart, templatePatterns } from './data-stream.ts';
import { FALLBACK_TYPES, installedVersion, isCurrent, TEMPLATE_VERSION, unknownFieldType, withoutFieldTypes, type IndexTemplate } from './template.ts';

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
  /**
   * A retention policy outside the template (OpenSearch's ISM) named `name`, for the data streams
   * matching `patterns`, deleting after `days`: 'unsupported' when the cluster cannot take one.
   * Absent where the template itself carries retention (Elasticsearch's data stream lifecycle).
   */
  applyRetention?(name: string, patterns: string[], days: number, timeoutMs: number): Promise<'applied' | 'unchanged' | 'unsupported'>;
  /** One POST /_bulk with a ready NDJSON body (each action names its data stream), never throwing: every answer becomes a BulkReply. */
  bulk(body: Buffer, timeoutMs: number, compress: boolean): Promise<BulkReply>;
  close(): Promise<void>;
}

/** What a bulk sink needs of its config section. */
export interface BulkSinkConfig {
  namespace: string;
  compression: boolean;
  max_bytes: number;
  timeout_ms: number;
  retention_days?: number | undefined;
  template: { install: boolean; name: string };
}

export interface BulkSinkOptions {
  /** Registry name: metrics, queue and dead-letter queue are named after it. */
  name: string;
  /** For people reading logs and errors: "Elasticsearch", "OpenSearch". */
  product: string;
  config: BulkSinkConfig;
  logger: Logger;
  backend: BulkBackend;
  /** The index template body for these index patterns, in the backend's dialect. */
  template(patterns: string[], retentionDays?: number): IndexTemplate;
}

/** Bulk `create` with the event id as `_id`: a redelivered event is a 409, counted as delivered. */
export class BulkSink implements Sink {
  readonly name: string;
  readonly #options: BulkSinkOptions;
  /** Two bodies: one per batch in flight at the default delivery concurrency. */
  readonly #bodies: BufferPool;
  /** Per event.dataset: its data stream (a handful of datasets, looked up per event). */
  readonly #targets = new Map<string, StreamTarget>();

  constructor(options: BulkSinkOptions) {
    this.name = options.name;
    this.#options = options;
    this.#bodies = new BufferPool(2, options.config.max_bytes);
  }

  /**
   * Installs the index template unless an equal or newer one is there (equal: the same version
   * made with the same retention); safe to run on every start.
   * Fails (and vigil retries start later) rather than write without it: the built-in logs-*-*
   * template would map Falco's output_fields as objects and dead-letter half the alerts. With
   * template.install off it still reads the template, which proves the URL and the credentials
   * (a 403 there means authenticated without the privilege to read templates, which is fine).
   */
  async start(): Promise<void> {
    const { config, backend, logger, product } = this.#options;
    const { install, name } = config.template;
    try {
      if (!install) {
        await backend.getTemplate(name, config.timeout_ms).catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode !== 403) throw error;
        });
        return;
      }
      const installed = await backend.getTemplate(name, config.timeout_ms);
      const template = this.#options.template(templatePatterns(), config.retention_days);
      if (!isCurrent(installed, template)) {
        const lacking = await this.#putTemplate(template);
        logger.info({ template: name, version: TEMPLATE_VERSION, previous: installedVersion(installed) }, `Installed the ${product} index template`);
        if (lacking.length) {
          logger.warn({ template: name, types: lacking }, `${product} lacks the field types ${lacking.join(', ')}: the template maps those fields as ${lacking.map((type) => FALLBACK_TYPES[type]).join(', ')}`);
        }
      }
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const hint = status === 401 ? ': the credentials were refused'
        : status === 403 ? ': the user needs the manage_index_templates privilege, or set template.install: false and install it yourself'
          : '';
      const why = (error as Error)?.message ? `: ${(error as Error).message.slice(0, 300)}` : '';
      throw new Error(`Could not ${install ? 'install' : 'read'} the index template ${name}${status ? ` (HTTP ${status})` : ''}${hint}${why}`, { cause: error });
    }
    await this.#applyRetention();
  }

  /**
   * A retention policy outside the template, where the backend has one (OpenSearch's ISM). Its
   * failure is logged, not thrown: documents written meanwhile are only kept longer, whereas a
   * failed setup would hold every delivery back.
   */
  async #applyRetention(): Promise<void> {
    const { config, backend, logger, product } = this.#options;
    const days = config.retention_days;
    if (days === undefined || !backend.applyRetention) return;
    const { name } = config.template;
    try {
      const result = await backend.applyRetention(name, templatePatterns(), days, config.timeout_ms);
      if (result === 'applied') logger.info({ policy: name, days }, `Installed the ${product} retention policy`);
      if (result === 'unsupported') {
        logger.warn({ policy: name, days }, `${product} has no Index State Management plugin: retention_days is not applied, documents are kept`);
      }
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      logger.error({ policy: name, days, status, detail: (error as Error)?.message?.slice(0, 300) },
        `Could not install the ${product} retention policy: documents are kept until it is fixed and vigil restarts (the user needs the ISM policy permissions)`);
    }
  }

  /**
   * PUT the template; where the cluster refuses a field type it lacks (FALLBACK_TYPES), again with
   * that type replaced. Answers the types replaced.
   */
  async #putTemplate(template: IndexTemplate): Promise<string[]> {
    const { config, backend } = this.#options;
    const lacking = new Set<string>();
    for (;;) {
      try {
        await backend.putTemplate(config.template.name, withoutFieldTypes(template, lacking), config.timeout_ms);
        return [...lacking];
      } catch (error) {
        const type = unknownFieldType(`${(error as Error)?.message} ${JSON.stringify((error as { body?: unknown }).body ?? '')}`);
        if ((error as { statusCode?: number }).statusCode !== 400 || !type || !(type in FALLBACK_TYPES) || lacking.has(type)) throw error;
        lacking.add(type);
      }
    }
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    const { config, backend } = this.#options;
    const items = events.map((event) => bulkItem(event, this.#target(event.dataset)));
    return sendBatch(items, {
      sizeOf: (item) => item.bytes,
      maxBytes: config.max_bytes,
      attempt: async (group) => {
        const body = bulkBodyFromParts(group, (size) => this.#bodies.take(size));
        const reply = await backend.bulk(body, config.timeout_ms, config.compression);
        // A bulk answer means the backend read the whole body; after a failure a socket may still hold it.
        if (reply.kind === 'reply') this.#bodies.give(body);
        return classifyBulk(reply, group.length);
      },
    });
  }

  #target(dataset: string): StreamTarget {
    let target = this.#targets.get(dataset);
    if (!target) {
      const { namespace } = this.#options.config;
      target = streamTarget(dataStreamName(dataset, namespace), { type: DATA_STREAM_TYPE, dataset: datasetPart(dataset), namespace });
      this.#targets.set(dataset, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await this.#options.backend.close();
  }
}
