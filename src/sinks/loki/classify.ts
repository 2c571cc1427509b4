import { commonStatusOutcome, dead, excerpt, retry, times, tooLarge, unexpected, type AttemptResult } from '../kit/outcome.ts';
import { OK, type DeadReason, type Outcome } from '../kit/types.ts';
import type { LokiReply } from './client.ts';
import type { LokiEntry } from './encode.ts';
import { parseRejectReport, type StreamReport } from './rejects.ts';

/** Refusals about an entry's time: the entry itself can never be stored. */
const TIME_REFUSALS = /too far behind|out of order|too old|too new|greater_than_max_sample_age|too_far_in_future/i;
const SIZE_REFUSALS = /max entry size|line too long|line_too_long/i;
/** Refusals of a stream's label set: Loki drops the whole stream, none of its entries is stored. */
const LABEL_REFUSALS = /label pair is required|error parsing labels|label names; limit|label name too long|label value too long|duplicate label|invalid label|missing_enforced_labels|missing required label/i;

/**
 * A 400 that refused some entries of a push without saying which (Loki reports only the last
 * failing stream, may cap its list, and reports by timestamp): the entries have no verdict yet.
 * resolve.ts re-sends them in smaller pushes until each has one.
 */
export interface Unresolved {
  kind: 'unresolved';
  reason: DeadReason;
  detail: string;
  /** Verdicts of the entries whose stream the report accounts for in full; the rest undefined. */
  settled: Array<Outcome | undefined>;
}

export type PushVerdict = AttemptResult | Unresolved;

export function isUnresolved(verdict: PushVerdict): verdict is Unresolved {
  return !Array.isArray(verdict) && verdict.kind === 'unresolved';
}

/**
 * Verdict per entry of one push (contracts §8.4), in the order of `entries`. 204 ok (other 2xx
 * ok only without a body, else retry: not Loki's answer); 260, or any other 2xx whose body says blocked, is a discard (dead 'rejected') dressed as success; 400 is
 * dead ('rejected' for time refusals, 'too_large' for long lines, else 'bad_request'), and when
 * Loki's report names exactly which entries it ignored, only those are dead and the rest ok; when
 * it does not, a single entry, or a single stream whose labels were refused, is dead, and anything
 * else is unresolved (Loki stored the valid entries of the push, so dead-lettering all of them
 * would duplicate those on replay); 422 dead; 413 → too large; 429/5xx retry; 401/403 → retry
 * 'unauthorized'.
 */
export function classifyPush(reply: LokiReply, entries: readonly LokiEntry[]): PushVerdict {
  const count = entries.length;
  if (reply.kind === 'failure') return times(count, retry(reply.reason, undefined, reply.detail));
  const { status, body } = reply;
  const detail = `HTTP ${status}: ${excerpt(body)}`;
  if (status === 260 || (status >= 200 && status < 300 && status !== 204 && /blocked/i.test(body))) {
    return times(count, dead('rejected', `Loki discarded the push (ingestion blocked): ${detail}`));
  }
  // Loki answers a push with 204 and no body. A 2xx with a body is someone else (a proxy's login
  // page, a misrouted path): the entries may not be stored, so they are sent again, not counted.
  if (status >= 200 && status < 300) {
    if (status === 204 || body.trim() === '') return times(count, OK);
    return times(count, retry('server_error', reply.retryAfterMs, unexpected("Loki's 204 No Content", `HTTP ${status}: ${body}`)));
  }
  if (status === 400) {
    const report = parseRejectReport(body);
    const settled = report ? attribute(report, entries) : Array.from<Outcome | undefined>({ length: count });
    if (settled.every((outcome) => outcome !== undefined)) return settled as Outcome[];
    const reason = refusalReason(body);
    if (count === 1) return [dead(reason, detail)];
    if (LABEL_REFUSALS.test(body) && new Set(entries.map((entry) => entry.stream)).size === 1) return times(count, dead('bad_request', detail));
    return { kind: 'unresolved', reason, detail, settled };
  }
  if (status === 422) return times(count, dead('bad_request', detail));
  const common = commonStatusOutcome(status, reply.retryAfterMs, detail);
  if (common?.kind === 'too_large') return tooLarge(detail);
  if (common) return times(count, common);
  return times(count, dead('bad_request', detail));
}

function refusalReason(text: string): DeadReason {
  if (TIME_REFUSALS.test(text)) return 'rejected';
  if (SIZE_REFUSALS.test(text)) return 'too_large';
  return 'bad_request';
}

/**
 * Entry verdicts from Loki's report, for the entries of each stream it accounts for: a stream the
 * report names exactly once, each reported timestamp matching exactly as many of its entries as
 * were reported. Entries of other streams stay undefined: Loki names only the last failing stream,
 * so a stream it does not name may have failed too.
 */
function attribute(report: StreamReport[], entries: readonly LokiEntry[]): Array<Outcome | undefined> {
  const outcomes = Array.from<Outcome | undefined>({ length: entries.length });
  const streams = new Map<string, number[]>();
  entries.forEach((entry, i) => {
    const list = streams.get(entry.stream);
    if (list) list.push(i);
    else streams.set(entry.stream, [i]);
  });
  for (const indexes of streams.values()) {
    const labels = entries[indexes[0]!]!.labels;
    // Loki may add labels of its own (service_name), so its label set includes ours.
    const matching = report.filter((stream) => Object.entries(labels).every(([name, value]) => stream.labels[name] === value));
    if (matching.length !== 1) continue;
    const verdicts = new Map<number, Outcome>(indexes.map((i) => [i, OK]));
    const rejectedByTime = new Map<bigint, string[]>();
    for (const rejected of matching[0]!.rejected) {
      rejectedByTime.set(rejected.nanos, [...(rejectedByTime.get(rejected.nanos) ?? []), rejected.reason]);
    }
    const exact = [...rejectedByTime].every(([nanos, reasons]) => {
      const hits = indexes.filter((i) => entries[i]!.nanos === nanos);
      hits.forEach((i, k) => verdicts.set(i, dead(refusalReason(reasons[k] ?? ''), `Loki ignored the entry: ${reasons[k]}`)));
      return hits.length === reasons.length;
    });
    if (exact) for (const [i, outcome] of verdicts) outcomes[i] = outcome;
  }
  return outcomes;
}
