import type { Config } from '../../config/schema.ts';
/**
 * Events per second per peer, as a token bucket per source address: each peer may send `burst`
 * events at once and `perSecond` on average. Memory is bounded: at most `maxPeers` buckets are
 * kept; a full bucket is the same as no bucket, so idle peers are forgotten first, and beyond the
 * bound the least recently seen peer is evicted (it starts again with a full bucket, so eviction
 * can only ever let through more, never drop what should pass).
 */
export interface RateLimiter {
  /** Takes up to `count` tokens for `peer` and says how many it got: the rest are over the peer's rate. */
  grant(peer: string, count: number): number;
  /**
   * Takes `count` tokens for `peer` even beyond what it has: the bucket goes into debt, and the
   * peer gets nothing more until it has refilled. For input admitted whole before its size in
   * events was known (a webhook body): larger than the burst is let through once, never above
   * the rate on average.
   */
  charge(peer: string, count: number): void;
  /** Seconds until `count` tokens are available for `peer` (for Retry-After). */
  secondsUntil(peer: string, count?: number): number;
  /** Buckets held now. */
  readonly size: number;
}

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  maxPeers: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { perSecond, burst, maxPeers } = options;
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  const buckets = new Map<string, Bucket>();
  const idleMs = (burst / perSecond) * 1000;
  let lastSweep = now();

  function refill(peer: string, time: number): Bucket {
    const bucket = buckets.get(peer);
    if (!bucket) return { tokens: burst, at: time };
    buckets.delete(peer);
    bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.at) / 1000) * perSecond);
    bucket.at = time;
    return bucket;
  }

  /** Drop buckets that have refilled completely: they hold no state a fresh bucket would not. */
  function sweep(time: number): void {
    if (time - lastSweep < idleMs) return;
    lastSweep = time;
    for (const [peer, bucket] of buckets) {
      if (time - bucket.at < idleMs) break; // the rest were used more recently
      // Idle for idleMs refills a bucket from zero; one in debt (charge) needs longer.
      if (bucket.tokens + ((time - bucket.at) / 1000) * perSecond >= burst) buckets.delete(peer);
    }
  }

  return {
    grant(peer, count) {
      const time = now();
      sweep(time);
      const bucket = refill(peer, time);
      // A bucket in debt (charge) grants nothing.
      const granted = Math.max(0, Math.min(count, Math.floor(bucket.tokens)));
      bucket.tokens -= granted;
      buckets.set(peer, bucket);
      if (buckets.size > maxPeers) buckets.delete(buckets.keys().next().value as string);
      return granted;
    },
    charge(peer, count) {
      const time = now();
      sweep(time);
      const bucket = refill(peer, time);
      bucket.tokens -= count;
      buckets.set(peer, bucket);
      if (buckets.size > maxPeers) buckets.delete(buckets.keys().next().value as string);
    },
    secondsUntil(peer, count = 1) {
      const bucket = buckets.get(peer);
      if (!bucket) return 0;
      const tokens = Math.min(burst, bucket.tokens + ((now() - bucket.at) / 1000) * perSecond);
      return tokens >= count ? 0 : Math.ceil((count - tokens) / perSecond);
    },
    get size() {
      return buckets.size;
    },
  };
}

// One bucket set per listener: a peer's syslog and its webhooks are limited separately.
export function rateLimiterFor(options: Config['listen']['rate_limit']): RateLimiter | undefined {
  const { events_per_second: perSecond, burst, max_peers: maxPeers } = options;
  return perSecond > 0 ? createRateLimiter({ perSecond, burst: burst || Math.max(1, Math.ceil(perSecond * 2)), maxPeers }) : undefined;
}
