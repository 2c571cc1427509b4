import type { Logger } from '../../telemetry/logger.ts';

/** Distinct addresses remembered per summary; beyond them failures are counted, not attributed. */
const MAX_PEERS = 1000;
/** Addresses named in one summary line, most failures first. */
const NAMED_PEERS = 20;

export interface AuthFailureLog {
  record(address: string): void;
  /** Logs what is pending now (at close). */
  flush(): void;
}

/**
 * Refused credentials on one route, summarised: one line per interval with the count and the
 * addresses that failed (most first), so an attack from many addresses is on record without one
 * log line per request. The counter metric counts every failure as it happens.
 */
export function createAuthFailureLog(options: { route: string; logger: Logger; intervalMs: number }): AuthFailureLog {
  let peers = new Map<string, number>();
  let failures = 0;
  let unattributed = 0;
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (failures === 0) return;
    const named = [...peers].sort((a, b) => b[1] - a[1]).slice(0, NAMED_PEERS);
    options.logger.warn({
      route: options.route, failures, seconds: Math.round((Date.now() - since) / 1000), peers: Object.fromEntries(named),
      otherPeers: peers.size - named.length, unattributed,
    }, 'Refused webhook requests: missing or wrong credentials');
    peers = new Map();
    failures = 0;
    unattributed = 0;
  };
  return {
    record(address) {
      if (failures === 0) since = Date.now();
      failures++;
      if (peers.has(address) || peers.size < MAX_PEERS) peers.set(address, (peers.get(address) ?? 0) + 1);
      else unattributed++;
      timer ??= setTimeout(flush, options.intervalMs).unref();
    },
    flush,
  };
}
