import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Submit } from '../pipeline/submit.ts';
import type { AddressCheck } from './access/allowlist.ts';
import type { RateLimiter } from './access/rate-limit.ts';

/** What every syslog listener (UDP, TCP, TLS) is given. */
export interface SyslogListenerOptions {
  /** Bind address: an IPv4 address, or an IPv6 one ('::' is dual-stack). */
  host: string;
  port: number;
  submit: Submit;
  metrics: Metrics;
  logger: Logger;
  /** Longest message kept; longer ones are cut and tagged 'truncated'. */
  maxMessageBytes: number;
  /** Source addresses allowed to send (unset: everyone); others are refused and counted, reason denied. */
  allow?: AddressCheck;
  /** Events per second per source address; the excess is dropped and counted, reason rate_limited. */
  rateLimit?: RateLimiter;
  /** At close, how long senders with data in flight are still read (default DEFAULT_SHUTDOWN_GRACE_MS; see readUntilQuiet). */
  shutdownGraceMs?: number;
}
