import { chunkBySize } from './batch.ts';
import { dead, isTooLarge, times, type AttemptResult } from './outcome.ts';
import type { Outcome } from './types.ts';

export interface SendBatchOptions<T> {
  /** Encoded size of one item in the request body, in bytes. */
  sizeOf: (item: T) => number;
  /** Upper bound of one request body (before compression). */
  maxBytes: number;
  /** One request for these items: one outcome per item, in order, or TooLarge on HTTP 413. */
  attempt: (items: T[]) => Promise<AttemptResult>;
}

/**
 * The request loop every HTTP sink shares: byte-bounded requests sent one after another,
 * a request the backend refuses as too large halved and resent (a single item that is still
 * too large is dead-lettered as 'too_large'), and no further requests once one failed as a whole
 * (all retry): hammering a backend that is down or throttling helps nobody, so the rest get the
 * same retry verdict unsent. Returns one outcome per item, in item order.
 */
export async function sendBatch<T>(items: readonly T[], options: SendBatchOptions<T>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const pending = chunkBySize(items, options.sizeOf, options.maxBytes);
  while (pending.length > 0) {
    const group = pending.shift()!;
    const result = await options.attempt(group);
    if (isTooLarge(result)) {
      if (group.length === 1) {
        outcomes.push(dead('too_large', result.detail));
      } else {
        const middle = Math.ceil(group.length / 2);
        pending.unshift(group.slice(0, middle), group.slice(middle));
      }
      continue;
    }
    if (result.length !== group.length) {
      throw new Error(`Sink attempt returned ${result.length} outcomes for ${group.length} items`);
    }
    outcomes.push(...result);
    const first = result[0];
    if (first?.kind === 'retry' && result.every((outcome) => outcome.kind === 'retry')) {
      const unsent = pending.reduce((sum, rest) => sum + rest.length, 0);
      outcomes.push(...times(unsent, first));
      break;
    }
  }
  return outcomes;
}
