import { dead, isTooLarge, type AttemptResult } from '../kit/outcome.ts';
import type { Outcome } from '../kit/types.ts';
import { classifyPush } from './classify.ts';
import type { LokiReply } from './client.ts';
import type { LokiEntry } from './encode.ts';

/**
 * The entries of one request, one push per stream, so that every push gets an answer about all
 * of its entries (classify.ts). No entry is ever pushed twice after Loki answered for it: only a
 * push refused as a whole (413) is sent again, in halves, down to one entry that alone is too
 * large. Once a push fails as a whole with a retry (Loki down or throttling), the streams not yet
 * sent get the same verdict unsent, for the deliver worker's backoff.
 */
export async function pushByStream(entries: readonly LokiEntry[], push: (entries: readonly LokiEntry[]) => Promise<LokiReply>): Promise<AttemptResult> {
  const outcomes = Array.from<Outcome | undefined>({ length: entries.length });
  const pending = streamsOf(entries);
  while (pending.length > 0) {
    const part = pending.shift()!;
    const group = part.map((i) => entries[i]!);
    const verdict = classifyPush(await push(group), group);
    if (isTooLarge(verdict)) {
      if (part.length === 1) outcomes[part[0]!] = dead('too_large', verdict.detail);
      else pending.unshift(part.slice(0, Math.ceil(part.length / 2)), part.slice(Math.ceil(part.length / 2)));
      continue;
    }
    part.forEach((index, k) => (outcomes[index] = verdict[k]));
    const retry = verdict[0];
    if (retry?.kind === 'retry' && verdict.every((outcome) => outcome.kind === 'retry')) {
      for (const rest of pending) for (const index of rest) outcomes[index] = retry;
      break;
    }
  }
  return outcomes as Outcome[];
}

/** The indexes of the entries, one list per stream, in order of first appearance. */
export function streamsOf(entries: readonly LokiEntry[]): number[][] {
  const streams = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    const list = streams.get(entry.stream);
    if (list) list.push(index);
    else streams.set(entry.stream, [index]);
  });
  return [...streams.values()];
}
