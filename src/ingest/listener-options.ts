import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Submit } from './submit.ts';

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
}
