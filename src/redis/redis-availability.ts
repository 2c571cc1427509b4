import type { RedisClient } from './redis-connection.ts';
import type { Logger } from '../telemetry/logger.ts';
import { describeRedisError } from './redis-server.ts';

/** How long a lost connection may go without an error naming why before it is reported anyway. */
const REASON_WAIT_MS = 1_000;

/**
 * Reports a Redis outage as two lines, whatever the number of reconnect attempts in between
 * (ioredis emits an error and a close per attempt, BullMQ per connection): "Redis unavailable"
 * with the reason, then "Redis is back" with how long it was away. Returns the stop function;
 * stop it before the connection is closed on purpose.
 */
export function watchRedisAvailability(redis: RedisClient, options: { logger: Logger; redis: string }): () => Promise<void> {
  const { logger } = options;
  let downSince: number | undefined;
  let reported = false;
  let lastError: { reason: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const report = (reason: string) => {
    if (reported) return;
    reported = true;
    clearTimeout(timer);
    logger.warn({ redis: options.redis, reason },
      'Redis unavailable: webhooks answer 503, syslog input waits or is dropped (counted), processing and delivery pause; reconnecting');
  };
  const onError = (error: Error) => {
    lastError = { reason: describeRedisError(error as NodeJS.ErrnoException), at: Date.now() };
    if (downSince !== undefined) report(lastError.reason);
  };
  const onClose = () => {
    if (downSince !== undefined) return;
    downSince = Date.now();
    // The error that closed it may come just before or just after the close.
    if (lastError && Date.now() - lastError.at < REASON_WAIT_MS) report(lastError.reason);
    else timer = setTimeout(() => report('connection closed'), REASON_WAIT_MS);
  };
  const onReady = () => {
    if (downSince === undefined) return;
    report(lastError && lastError.at >= downSince ? lastError.reason : 'connection closed');
    logger.info({ redis: options.redis, unavailableMs: Date.now() - downSince }, 'Redis is back');
    downSince = undefined;
    reported = false;
  };
  redis.on('error', onError);
  redis.on('close', onClose);
  redis.on('ready', onReady);
  return async () => {
    clearTimeout(timer);
    redis.off('error', onError);
    redis.off('close', onClose);
    redis.off('ready', onReady);
  };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT']);

/**
 * Whether an error only says the Redis connection is down (ioredis and BullMQ raise one per
 * connection and reconnect attempt): watchRedisAvailability reports the outage once, so such
 * errors are logged at debug level where they occur. Anything else stays an error.
 */
export function isRedisConnectionError(error: unknown): boolean {
  const { code, message = '' } = (error ?? {}) as NodeJS.ErrnoException;
  return (code !== undefined && CONNECTION_CODES.has(code))
    || /^(Connection is closed|Stream isn't writeable|Reached the max retries per request limit)/.test(message);
}

/** The level to log a Redis client's or worker's error at (see isRedisConnectionError). */
export function redisErrorLevel(error: unknown): 'debug' | 'error' {
  return isRedisConnectionError(error) ? 'debug' : 'error';
}
