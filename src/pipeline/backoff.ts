import type { DeliveryPolicy } from '../config/schema.ts';

/**
 * Exponential backoff with full jitter (a random wait in [0, cap], cap doubling per attempt up to
 * the policy's maximum), so many failing batches do not retry in lockstep. A backend's Retry-After
 * is a floor: we never come back sooner than it asked.
 */
export function backoffMs(attempt: number, policy: Pick<DeliveryPolicy, 'initial_backoff_ms' | 'max_backoff_ms'>, retryAfterMs = 0, random = Math.random): number {
  const cap = Math.min(policy.max_backoff_ms, policy.initial_backoff_ms * 2 ** Math.max(0, attempt - 1));
  return Math.max(retryAfterMs, Math.round(random() * cap));
}
