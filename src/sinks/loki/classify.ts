import { commonStatusOutcome, dead, excerpt, retry, times, tooLarge, type AttemptResult } from '../kit/outcome.ts';
import { OK, type DeadReason, type Outcome } from '../kit/types.ts';
import type { LokiReply } from './client.ts';
import type { LokiEntry } from './encode.ts';
import { parseRejectReport, type StreamReport } from './rejects.ts';

/** Refusals about an entry's time: the entry itself can never be stored. */
const TIME_REFUSALS = /too far behind|out of order|too old|too new|greater_than_max_sample_age|too_far_in_future/i;
const SIZE_REFUSALS = /max entry size|line too long|line_too_long/i;

/**
 * Verdict per entry of one push (contracts §8.4), in the order of `entries`. 204 ok; 260, or any
 * other 2xx whose body says blocked, is a discard (dead 'rejected') dressed as success; 400 is
 * dead ('rejected' for time refusals, 'too_large' for long lines, else 'bad_request'), and when
 * Loki's report names exactly which entries it ignored, only those are dead and the rest ok;
 * 422 dead; 413 → too large; 429/5xx retry; 401/403 → retry 'unauthorized'.
 */
export function classifyPush(reply: LokiReply, entries: readonly LokiEntry[]): AttemptResult {
  const count = entries.length;
  if (reply.kind === 'failure') return times(count, retry(reply.reason, undefined, reply.detail));
  const { status, body } = reply;
  const detail = `HTTP ${status}: ${excerpt(body)}`;
  if (status === 260 || (status >= 200 && status < 300 && status !== 204 && /blocked/i.test(body))) {
    return times(count, dead('rejected', `Loki discarded the push (ingestion blocked): ${detail}`));
  }
  if (status >= 200 && status < 300) return times(count, OK);
  if (status === 400) {
    const report = parseRejectReport(body);
    const attributed = report && attribute(report, entries);
    if (attributed) return attributed;
    return times(count, dead(refusalReason(body), detail));
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
 * Entry verdicts from Loki's report, or undefined unless the report accounts for every stream of
 * the push (Loki names only the last failing stream, so a stream it does not name may have failed
 * too) and every reported timestamp matches exactly as many entries as were reported.
 */
function attribute(report: StreamReport[], entries: readonly LokiEntry[]): Outcome[] | undefined {
  const outcomes: Outcome[] = times(entries.length, OK);
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
    if (matching.length !== 1) return undefined;
    const rejectedByTime = new Map<bigint, string[]>();
    for (const rejected of matching[0]!.rejected) {
      rejectedByTime.set(rejected.nanos, [...(rejectedByTime.get(rejected.nanos) ?? []), rejected.reason]);
    }
    for (const [nanos, reasons] of rejectedByTime) {
      const hits = indexes.filter((i) => entries[i]!.nanos === nanos);
      if (hits.length !== reasons.length) return undefined;
      hits.forEach((i, k) => {
        outcomes[i] = dead(refusalReason(reasons[k]!), `Loki ignored the entry: ${reasons[k]}`);
      });
    }
  }
  return outcomes;
}
