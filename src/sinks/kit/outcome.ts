import type { DeadReason, Outcome, RetryReason } from './types.ts';

/** The backend refused a request for its size (HTTP 413): the caller halves the batch and resends. */
export interface TooLarge { kind: 'too_large'; detail: string }

/** What one request attempt yields: a verdict per event, or "too large, split me". */
export type AttemptResult = Outcome[] | TooLarge;

export function retry(reason: RetryReason, afterMs?: number, detail?: string): Outcome {
  const outcome: Outcome = { kind: 'retry', reason };
  if (afterMs !== undefined) outcome.afterMs = afterMs;
  if (detail !== undefined) outcome.detail = detail;
  return outcome;
}

export function dead(reason: DeadReason, detail: string): Outcome {
  return { kind: 'dead', reason, detail };
}

export function tooLarge(detail: string): TooLarge {
  return { kind: 'too_large', detail };
}

export function isTooLarge<T extends object>(result: T | TooLarge): result is TooLarge {
  return !Array.isArray(result) && (result as { kind?: unknown }).kind === 'too_large';
}

/** The same verdict for each of `count` events (a request-level answer). */
export function times(count: number, outcome: Outcome): Outcome[] {
  return Array.from({ length: count }, () => outcome);
}

/**
 * The verdict every HTTP backend shares for a whole-request status, or undefined when the sink
 * must decide (2xx, 400 and other 4xx mean different things per backend).
 * 401/403 → retry 'unauthorized': the deliver worker halts the sink rather than dead-letter a
 * whole backlog over a credential problem. 404 on the endpoint itself is a routing problem
 * (proxy, ingress, wrong path) that fixing config resolves, so it retries too.
 */
export function commonStatusOutcome(status: number, retryAfterMs: number | undefined, detail: string): Outcome | TooLarge | undefined {
  if (status === 413) return tooLarge(detail);
  if (status === 429) return retry('rate_limited', retryAfterMs, detail);
  if (status === 401 || status === 403) return retry('unauthorized', retryAfterMs, detail);
  if (status === 408) return retry('timeout', retryAfterMs, detail);
  if (status === 404) return retry('unavailable', retryAfterMs, detail);
  if (status === 502 || status === 503 || status === 504) return retry('unavailable', retryAfterMs, detail);
  if (status >= 500) return retry('server_error', retryAfterMs, detail);
  return undefined;
}

/** Backend answers quoted in outcomes stay short: a DLQ entry needs the gist, not a 1 MiB page. */
export function excerpt(text: string, max = 500): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max)}…`;
}

/**
 * "Expected X, got Y" for an answer that is not what the backend's API documents (a proxy, another
 * product, a cut reply), quoting the start of what came so an operator can tell which.
 */
export function unexpected(expected: string, got: unknown): string {
  const text = typeof got === 'string' ? got : (JSON.stringify(got) ?? String(got));
  return `Unexpected answer: expected ${expected}, got ${excerpt(text, 200) || 'an empty body'}`;
}
