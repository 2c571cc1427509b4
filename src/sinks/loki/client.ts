import type { Agent } from 'node:http';
import { createAgent, failureReason, httpRequest } from '../kit/http.ts';
import { parseRetryAfter } from '../kit/retry-after.ts';
import type { LokiConfig } from './config.ts';

/** Loki's answer to one push, or why there was none, as plain data for classify.ts. */
export type LokiReply =
  | { kind: 'reply'; status: number; body: string; retryAfterMs?: number }
  | { kind: 'failure'; reason: 'network' | 'timeout'; detail: string };

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
    try {
      const reply = await httpRequest(this.#agent, {
        method: 'POST',
        url: this.#pushUrl,
        headers: this.#headers,
        body,
        gzip: this.#config.compression,
        timeoutMs: this.#config.timeout_ms,
      });
      const result: LokiReply = { kind: 'reply', status: reply.status, body: reply.body };
      const after = parseRetryAfter(reply.headers['retry-after']);
      if (after !== undefined) result.retryAfterMs = after;
      return result;
    } catch (error) {
      return { kind: 'failure', ...failureReason(error) };
    }
  }

  close(): void {
    this.#agent.destroy();
  }
}
