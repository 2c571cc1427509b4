import { randomUUID } from 'node:crypto';
import type { SinkDeps } from '../kit/factory.ts';
import { isTooLarge, retry, type AttemptResult } from '../kit/outcome.ts';
import { sendBatch } from '../kit/send-batch.ts';
import type { Outcome, Sink, SinkEvent } from '../kit/types.ts';
import { awaitAcks } from './ack.ts';
import { classifyHec } from './classify.ts';
import { HecClient } from './client.ts';
import type { SplunkHecConfig } from './config.ts';
import { encodeHecEvent, type HecEncoding } from './encode.ts';

interface HecItem {
  /** Position of the event in the batch given to send(). */
  position: number;
  text: string;
  bytes: number;
}

export class SplunkHecSink implements Sink {
  readonly name: string;
  readonly #config: SplunkHecConfig;
  readonly #encoding: HecEncoding;
  readonly #client: HecClient;

  constructor(config: SplunkHecConfig, deps?: Pick<SinkDeps, 'logger' | 'name'>) {
    this.name = deps?.name ?? 'splunk-hec';
    this.#config = config;
    this.#encoding = {
      source: config.source,
      sourcetypePrefix: config.sourcetype_prefix,
      indexedFields: config.indexed_fields,
      ...(config.index ? { index: config.index } : {}),
    };
    const channel = config.ack.enabled ? (config.ack.channel ?? randomUUID()) : undefined;
    this.#client = new HecClient(config, channel);
  }

  async send(events: SinkEvent[]): Promise<Outcome[]> {
    const items: HecItem[] = events.map((event, position) => {
      const text = encodeHecEvent(event, this.#encoding);
      return { position, text, bytes: Buffer.byteLength(text) };
    });
    const awaitingAck: Array<{ ackId: number; positions: number[] }> = [];

    const attempt = async (group: HecItem[]): Promise<AttemptResult> => {
      const reply = await this.#client.postEvents(group.map((item) => item.text).join(''));
      const verdict = classifyHec(reply, group.length);
      if (isTooLarge(verdict)) return verdict;
      if (verdict.ackId !== undefined) {
        const positions = group.filter((_, i) => verdict.outcomes[i]!.kind === 'ok').map((item) => item.position);
        awaitingAck.push({ ackId: verdict.ackId, positions });
      }
      if (verdict.resendFrom === undefined) return verdict.outcomes;
      // HEC stopped at a bad event and never looked at the rest: send the rest now, not after a backoff.
      const rest = await sendBatch(group.slice(verdict.resendFrom), this.#batching(attempt));
      return [...verdict.outcomes.slice(0, verdict.resendFrom), ...rest];
    };

    const outcomes = await sendBatch(items, this.#batching(attempt));
    if (awaitingAck.length > 0) await this.#confirm(outcomes, awaitingAck);
    return outcomes;
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  #batching(attempt: (group: HecItem[]) => Promise<AttemptResult>) {
    return { sizeOf: (item: HecItem) => item.bytes, maxBytes: this.#config.max_bytes, attempt };
  }

  /** Turns ok into retry 'timeout' for events whose request Splunk never acknowledged as indexed. */
  async #confirm(outcomes: Outcome[], awaitingAck: Array<{ ackId: number; positions: number[] }>): Promise<void> {
    const { poll_interval_ms: pollIntervalMs, timeout_ms: timeoutMs } = this.#config.ack;
    const ids = awaitingAck.map((entry) => entry.ackId);
    const { acknowledged, lastFailure } = await awaitAcks((pending) => this.#client.queryAcks(pending), ids, { pollIntervalMs, timeoutMs });
    for (const { ackId, positions } of awaitingAck) {
      if (acknowledged.has(ackId)) continue;
      const why = lastFailure === undefined ? '' : ` (last poll: ${lastFailure})`;
      const unconfirmed = retry('timeout', undefined, `Splunk did not acknowledge ack id ${ackId} within ${timeoutMs} ms${why}`);
      for (const position of positions) outcomes[position] = unconfirmed;
    }
  }
}
