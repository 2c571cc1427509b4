import { commonStatusOutcome, dead, excerpt, retry, times, tooLarge, unexpected, type AttemptResult } from '../kit/outcome.ts';
import { OK, type DeadReason, type Outcome } from '../kit/types.ts';
import type { LokiReply } from './client.ts';
import type { LokiEntry } from './encode.ts';
import { parseRejectReport, type Refusal } from './rejects.ts';

/** Refusals about an entry's time: the entry itself can never be stored. */
const TIME_REFUSALS = /too far behind|out of order|too old|too new|greater_than_max_sample_age|too_far_in_future/i;
const SIZE_REFUSALS = /max entry size|line too long|line_too_long/i;
/** Refusals of a stream's label set: Loki drops the whole stream, none of its entries is stored. */
const LABEL_REFUSALS = /label pair is required|error parsing labels|label names; limit|label name too long|label value too long|duplicate label|invalid label|missing_enforced_labels|missing required label/i;

/**
 * Verdict per entry of a push of ONE stream, in the order of `entries` (Loki
 * docs/sources/operations/request-validation-rate-limits.md). 204 ok (other 2xx ok only without a
 * body, else retry: not Loki's answer); 260, or any other 2xx whose body says blocked, is a discard
 * (dead 'rejected') dressed as success; 400 → refusedEntries; 422 dead; 413 → too large; 429/5xx
 * retry; 401/403 → retry 'unauthorized'.
 *
 * One stream per push because Loki's answer describes only one stream: an ingester returns the
 * outcome of the last stream of its request, so a push whose last stream was fine answers 204
 * even when an earlier stream lost entries (loki:pkg/ingester/instance.go Push).
 */
export function classifyPush(reply: LokiReply, entries: readonly LokiEntry[]): AttemptResult {
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
  if (status === 400) return refusedEntries(body, entries, detail);
  if (status === 422) return times(count, dead('bad_request', detail));
  const common = commonStatusOutcome(status, reply.retryAfterMs, detail);
  if (common?.kind === 'too_large') return tooLarge(detail);
  if (common) return times(count, common);
  return times(count, dead('bad_request', detail));
}

/**
 * A 400 to a one-stream push: Loki stored the entries it did not refuse, and its report names the
 * refused ones (rejects.ts). They are never sent again: Loki skips an identical entry only while
 * the first copy is in its stream's head block (256 KiB of lines), so a re-send stores again.
 * When the report accounts for every refused entry, exactly those are dead and the rest ok. When
 * it does not (the ingester listed only max_returned_stream_errors of them, another entry matches
 * a reported time, or the body is something else), the entries it names are dead, and so is every
 * other entry, with a detail saying Loki may also have stored it: nothing refused is lost
 * silently, at the price of a dead letter whose replay may store an event twice.
 */
function refusedEntries(body: string, entries: readonly LokiEntry[], detail: string): Outcome[] {
  const reason = refusalReason(body);
  const report = parseRejectReport(body);
  if (!report) {
    // Loki drops every entry of a stream whose labels it refuses, and a one-entry push is either stored or not.
    if (entries.length === 1 || LABEL_REFUSALS.test(body)) return times(entries.length, dead(LABEL_REFUSALS.test(body) ? 'bad_request' : reason, detail));
    return times(entries.length, dead(reason, unconfirmed(detail)));
  }
  const outcomes = Array.from<Outcome | undefined>({ length: entries.length });
  let complete = true;
  for (const group of groupRefusals(report.refusals)) {
    const hits = entries.flatMap((entry, i) => (outcomes[i] === undefined && includes(group.labels, entry.labels) && matches(group, entry) ? [i] : []));
    if (hits.length === group.reasons.length) {
      hits.forEach((i, k) => (outcomes[i] = dead(refusalReason(group.reasons[k]!), `Loki ignored the entry: ${group.reasons[k]}`)));
    } else {
      complete = false;
    }
  }
  const listed = report.refusals.reduce((sum, refusal) => sum + refusal.count, 0);
  const totals = report.totals;
  if (totals && (totals.ignored !== listed || totals.outOf !== entries.length || !includes(totals.labels, entries[0]!.labels))) complete = false;
  return outcomes.map((outcome) => outcome ?? (complete ? OK : dead(reason, unconfirmed(detail))));
}

function unconfirmed(detail: string): string {
  return `Loki refused some entries of the push without naming each; this one may have been stored too: ${detail}`;
}

/** Refusals of the same entries (same stream and time or length) together: one reason per entry. */
function groupRefusals(refusals: readonly Refusal[]): Array<Refusal & { reasons: string[] }> {
  const groups = new Map<string, Refusal & { reasons: string[] }>();
  for (const refusal of refusals) {
    const key = JSON.stringify([refusal.labels, 'lineBytes' in refusal.match ? refusal.match.lineBytes : `${refusal.match.nanos}/${refusal.match.unitNanos}`]);
    const group = groups.get(key) ?? { ...refusal, reasons: [] };
    group.reasons.push(...Array.from({ length: refusal.count }, () => refusal.reason));
    groups.set(key, group);
  }
  return [...groups.values()];
}

function matches(refusal: Refusal, entry: LokiEntry): boolean {
  const { match } = refusal;
  if ('lineBytes' in match) return entry.lineBytes === match.lineBytes;
  return entry.nanos - (entry.nanos % match.unitNanos) === match.nanos;
}

/** Loki may add labels of its own (service_name, a shard label), so its label set includes ours. */
function includes(reported: Record<string, string>, ours: Record<string, string>): boolean {
  return Object.entries(ours).every(([name, value]) => reported[name] === value);
}

function refusalReason(text: string): DeadReason {
  if (TIME_REFUSALS.test(text)) return 'rejected';
  if (SIZE_REFUSALS.test(text)) return 'too_large';
  return 'bad_request';
}
