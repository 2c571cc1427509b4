import type { Agent } from 'node:http';
import { createAgent, httpRequest, sinkRequest, type SinkReply } from '../kit/http.ts';
import { excerpt, unexpected } from '../kit/outcome.ts';
import type { SplunkHecConfig } from './config.ts';

/** HEC's answer to one POST, or why there was none, as plain data for classify.ts. */
export type HecReply = SinkReply;

/** One HTTP request at a time to the collector; no retry. */
export class HecClient {
  readonly #config: SplunkHecConfig;
  readonly #channel: string | undefined;
  readonly #agent: Agent;
  readonly #eventUrl: URL;
  readonly #ackUrl: URL;

  /** `channel` is sent on every request when indexer acknowledgement is on. */
  constructor(config: SplunkHecConfig, channel: string | undefined) {
    this.#config = config;
    this.#channel = channel;
    const base = new URL(config.url);
    this.#agent = createAgent(base, config.tls);
    this.#eventUrl = new URL('/services/collector/event', base);
    this.#ackUrl = new URL('/services/collector/ack', base);
  }

  async postEvents(body: string): Promise<HecReply> {
    return sinkRequest(this.#agent, {
      method: 'POST',
      url: this.#eventUrl,
      headers: this.#headers(),
      body,
      gzip: this.#config.compression,
      timeoutMs: this.#config.timeout_ms,
    });
  }

  /** Which of these ack ids are indexed; throws when the question could not be asked. */
  async queryAcks(ids: readonly number[]): Promise<Set<number>> {
    const reply = await httpRequest(this.#agent, {
      method: 'POST',
      url: this.#ackUrl,
      headers: this.#headers(),
      body: JSON.stringify({ acks: ids }),
      timeoutMs: this.#config.timeout_ms,
    });
    if (reply.status !== 200) throw new Error(`Ack query answered HTTP ${reply.status}: ${excerpt(reply.body, 200)}`);
    const acks = ackStatuses(reply.body);
    return new Set(ids.filter((id) => acks[String(id)] === true));
  }

  close(): void {
    this.#agent.destroy();
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Splunk ${this.#config.token}`,
      'content-type': 'application/json',
    };
    if (this.#channel) headers['x-splunk-request-channel'] = this.#channel;
    return headers;
  }
}

/** The `acks` of an ack query's answer ({"acks":{"<id>":true|false}}); throws saying what came otherwise. */
export function ackStatuses(text: string): Record<string, unknown> {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = text;
  }
  const acks = (answer as { acks?: unknown } | null)?.acks;
  if (acks === null || typeof acks !== 'object' || Array.isArray(acks)) {
    throw new Error(`Ack query: ${unexpected('{"acks":{"<ack id>":true|false}}', answer)}`);
  }
  return acks as Record<string, unknown>;
}
