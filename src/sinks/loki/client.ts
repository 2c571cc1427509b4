import type { Agent } from 'node:http';
import { createAgent, sinkRequest, type SinkReply } from '../kit/http.ts';
import type { LokiConfig } from './config.ts';

/** Loki's answer to one push, or why there was none, as plain data for classify.ts. */
export type LokiReply = SinkReply;

/** One POST /loki/api/v1/push at a time; no retry. */
export class LokiClient {
  readonly #config: LokiConfig;
  readonly #agent: Agent;
  readonly #pushUrl: URL;
  readonly #headers: Record<string, string>;

  constructor(config: LokiConfig) {
    this.#config = config;
    const base = new URL(config.url);
    this.#agent = createAgent(base, config.tls);
    this.#pushUrl = new URL('/loki/api/v1/push', base);
    // Without this exact type Loki decodes the body as snappy protobuf and answers 400.
    this.#headers = { 'content-type': 'application/json' };
    if (config.tenant) this.#headers['x-scope-orgid'] = config.tenant;
    if (config.bearer_token) this.#headers.authorization = `Bearer ${config.bearer_token}`;
    if (config.basic_auth) {
      const { username, password } = config.basic_auth;
      this.#headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
  }

  async push(body: string): Promise<LokiReply> {
    return sinkRequest(this.#agent, {
      method: 'POST',
      url: this.#pushUrl,
      headers: this.#headers,
      body,
      gzip: this.#config.compression,
      timeoutMs: this.#config.timeout_ms,
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
