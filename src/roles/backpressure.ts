import type { Config } from '../config/schema.ts';
import { Backpressure } from '../ingest/backpressure.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Backlog, Pipeline } from '../pipeline/pipeline.ts';
import { isRedisConnectionError } from '../redis/redis-availability.ts';

/**
 * Measures the backlog (and keeps the queue gauges fresh) in every role; only listeners act on it.
 * Not started: the caller starts it once the listeners are wired to it.
 */
export function createBackpressure(config: Config, pipeline: Pipeline, logger: Logger): Backpressure {
  const { backpressure: bp } = config;
  // While Redis is away (reported once by the availability watcher) nothing can be measured: the
  // last measurement stands, rather than a failure logged per check.
  let lastBacklog: Backlog = { jobs: 0, memoryRatio: 0 };
  const measure = async () => {
    if (pipeline.redis.status !== 'ready') return lastBacklog;
    try {
      return (lastBacklog = await pipeline.measureBacklog());
    } catch (error) {
      if (isRedisConnectionError(error) || pipeline.redis.status !== 'ready') return lastBacklog;
      throw error;
    }
  };
  return new Backpressure(measure, {
    highJobs: bp.high_watermark_jobs, lowJobs: bp.low_watermark_jobs,
    highMemoryRatio: bp.high_memory_ratio, lowMemoryRatio: bp.low_memory_ratio, intervalMs: bp.check_interval_ms,
  }, logger);
}
