import { commonStatusOutcome, dead, excerpt, retry, times, tooLarge, unexpected, type TooLarge } from '../kit/outcome.ts';
import { OK, type Outcome } from '../kit/types.ts';
import type { HecReply } from './client.ts';

/** Codes that condemn the event HEC stopped at (contracts §7.3): resending it cannot succeed. */
const EVENT_CODES = new Set([5, 6, 7, 12, 13, 15]);
/** Token and channel configuration: every request will fail until an operator acts, so halt. */
const CONFIG_CODES = new Set([1, 2, 3, 4, 10, 11, 14, 16, 21, 22]);
/** Busy or unhealthy (queues full, ack service down). */
const BUSY_CODES = new Set([9, 18, 19, 20]);

export interface HecVerdict {
  outcomes: Outcome[];
  /** Events from this index on were never looked at (HEC stopped at a bad one): resend them now. */
  resendFrom?: number;
  /** With indexer acknowledgement: the id to poll before the ok events are really delivered. */
  ackId?: number;
}

interface HecBody {
  text?: string;
  code?: number;
  ackId?: number;
  'invalid-event-number'?: number;
}

/**
 * Verdict per event for one HEC request of `count` events. HEC indexes a batch in order and stops
 * at the first bad event, naming it in `invalid-event-number` (n): events before n are in, event n
 * gets the code's verdict, events after n were not processed and are resent (for an event-level
 * code) or retried with n (when HEC was busy). 413 → too large (halve and resend).
 */
export function classifyHec(reply: HecReply, count: number): HecVerdict | TooLarge {
  if (reply.kind === 'failure') return { outcomes: times(count, retry(reply.reason, undefined, reply.detail)) };
  const { status } = reply;
  const body = parseBody(reply.body);
  const code = body.code;
  const detail = code === undefined ? `HTTP ${status}: ${excerpt(reply.body)}` : `HEC code ${code}: ${body.text ?? ''}`;

  if (status === 413) return tooLarge(detail);
  if (status >= 200 && status < 300) {
    // HEC answers success with code 0 and nothing else; a 2xx saying anything else (a proxy's
    // page, another service) never indexed the events for sure: resend rather than lose them.
    if (body.code !== 0) {
      return { outcomes: times(count, retry('server_error', reply.retryAfterMs, unexpected('HEC\'s {"text":"Success","code":0}', reply.body))) };
    }
    const verdict: HecVerdict = { outcomes: times(count, OK) };
    if (typeof body.ackId === 'number') verdict.ackId = body.ackId;
    return verdict;
  }
  if ((code !== undefined && CONFIG_CODES.has(code)) || status === 401 || status === 403) {
    return { outcomes: times(count, retry('unauthorized', reply.retryAfterMs, detail)) };
  }

  const eventVerdict = verdictForCode(code, status, reply.retryAfterMs, detail);
  const n = body['invalid-event-number'];
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < count) {
    const before = times(n, OK);
    if (eventVerdict.kind === 'dead') {
      const notProcessed = retry('unavailable', undefined, `Not processed: HEC stopped at event ${n} (${detail})`);
      return { outcomes: [...before, eventVerdict, ...times(count - n - 1, notProcessed)], resendFrom: n + 1 };
    }
    return { outcomes: [...before, ...times(count - n, eventVerdict)] };
  }
  return { outcomes: times(count, eventVerdict) };
}

function verdictForCode(code: number | undefined, status: number, retryAfterMs: number | undefined, detail: string): Outcome {
  if (code === 5) return dead('bad_request', detail);
  if (code !== undefined && EVENT_CODES.has(code)) return dead('rejected', detail);
  if (code === 8) return retry('server_error', retryAfterMs, detail);
  if (code !== undefined && BUSY_CODES.has(code)) return retry('unavailable', retryAfterMs, detail);
  const common = commonStatusOutcome(status, retryAfterMs, detail);
  if (common && common.kind !== 'too_large') return common;
  return dead('bad_request', detail);
}

function parseBody(text: string): HecBody {
  try {
    const body = JSON.parse(text) as unknown;
    return body && typeof body === 'object' ? (body as HecBody) : {};
  } catch {
    return {};
  }
}
