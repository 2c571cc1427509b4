import { dead, isTooLarge, type AttemptResult } from '../kit/outcome.ts';
import type { Outcome } from '../kit/types.ts';
import { classifyPush, isUnresolved, type Unresolved } from './classify.ts';
import type { LokiReply } from './client.ts';
import type { LokiEntry } from './encode.ts';

/**
 * One push, and when Loki's 400 leaves open which of its entries were stored, the re-sends that
 * settle it: the entries go again in smaller pushes (one per stream, then halves of a stream, down
 * to one entry) until every entry has a verdict of its own. Re-sending is safe because the
 * encoding is deterministic (same timestamp, line and metadata) and Loki ignores an entry
 * identical to one still in its stream's head block (chunkenc unordered head block) or to the
 * stream's last line (ingester stream.go), answering 204 for a push of nothing but such
 * duplicates; a refused entry is refused again and, alone or in one stream, reported exactly.
 *
 * Entries of a stream Loki's report accounts for in full keep its verdicts and are not re-sent.
 * Sub-pushes go depth first, right after the push, while the stored entries are still in the head
 * block. A push is split only when it holds a refused entry, so k refused entries among n cost at
 * most one push per stream plus 2·k·⌈log2 n⌉ more, and never more than 2·n.
 */
export async function pushResolved(entries: readonly LokiEntry[], push: (entries: readonly LokiEntry[]) => Promise<LokiReply>): Promise<AttemptResult> {
  const first = classifyPush(await push(entries), entries);
  if (!isUnresolved(first)) return first;

  const outcomes = Array.from<Outcome | undefined>({ length: entries.length });
  const pending: number[][] = [];
  /** Takes the verdicts Loki's report gave and queues the rest of `part` again, in smaller parts. */
  const settle = (part: readonly number[], unresolved: Unresolved) => {
    const open = part.filter((index, k) => (outcomes[index] = unresolved.settled[k]) === undefined);
    pending.unshift(...split(open, entries));
  };
  settle(entries.map((_, i) => i), first);
  while (pending.length > 0) {
    const part = pending.shift()!;
    const group = part.map((i) => entries[i]!);
    const verdict = classifyPush(await push(group), group);
    if (isUnresolved(verdict)) {
      settle(part, verdict);
      continue;
    }
    if (isTooLarge(verdict)) {
      // Only if Loki's limit changed meanwhile: the whole push was not too large.
      if (part.length === 1) outcomes[part[0]!] = dead('too_large', verdict.detail);
      else pending.unshift(...split(part, entries));
      continue;
    }
    part.forEach((index, k) => (outcomes[index] = verdict[k]));
    const retry = verdict[0];
    if (retry?.kind === 'retry' && verdict.every((outcome) => outcome.kind === 'retry')) {
      // Loki is down or throttling: the rest wait for the deliver worker's backoff, unsent.
      for (const rest of pending) for (const index of rest) outcomes[index] = retry;
      break;
    }
  }
  return outcomes as Outcome[];
}

/** The indexes of a push in smaller parts: one per stream when it has several, else two halves (none of them empty). */
export function split(indexes: readonly number[], entries: readonly LokiEntry[]): number[][] {
  const streams = new Map<string, number[]>();
  for (const index of indexes) {
    const stream = entries[index]!.stream;
    const list = streams.get(stream);
    if (list) list.push(index);
    else streams.set(stream, [index]);
  }
  if (streams.size > 1) return [...streams.values()];
  if (indexes.length <= 1) return indexes.length === 1 ? [[...indexes]] : [];
  const middle = Math.ceil(indexes.length / 2);
  return [indexes.slice(0, middle), indexes.slice(middle)];
}
