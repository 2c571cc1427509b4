import type { Logger } from '../telemetry/logger.ts';
import type { Backlog } from '../pipeline/pipeline.ts';
import { createLogThrottle } from './log-throttle.ts';

export interface BackpressureOptions {
  /** Engage at this many waiting jobs in any queue (or memory ratio), release below the low marks. */
  highJobs: number;
  lowJobs: number;
  highMemoryRatio: number;
  lowMemoryRatio: number;
  intervalMs: number;
}

/**
 * Watches the backlog and tells the listeners when to stop taking input (TCP pauses reading,
 * webhooks answer 503, UDP drops with a reason) and when to take it again. Two marks, so it does
 * not flap around one threshold.
 */
export class Backpressure {
  #engaged = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #listeners: Array<(engaged: boolean) => void> = [];
  readonly #measure: () => Promise<Backlog>;
  readonly #options: BackpressureOptions;
  readonly #logger: Logger;
  // While Redis is away every measurement fails: one line per 10 s says so.
  readonly #throttleLog = createLogThrottle(10_000);

  constructor(measure: () => Promise<Backlog>, options: BackpressureOptions, logger: Logger) {
    this.#measure = measure;
    this.#options = options;
    this.#logger = logger;
  }

  get engaged(): boolean {
    return this.#engaged;
  }

  onChange(listener: (engaged: boolean) => void): void {
    this.#listeners.push(listener);
  }

  start(): void {
    const tick = async () => {
      await this.check().catch((error: unknown) => this.#throttleLog((suppressedLogs) => this.#logger.warn({ error, suppressedLogs }, 'Could not measure the backlog')));
      this.#timer = setTimeout(tick, this.#options.intervalMs);
      this.#timer.unref();
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  /** One measurement and, when a mark is crossed, the change. */
  async check(): Promise<void> {
    const { jobs, memoryRatio } = await this.#measure();
    const o = this.#options;
    const next = this.#engaged
      ? jobs >= o.lowJobs || memoryRatio >= o.lowMemoryRatio
      : jobs >= o.highJobs || memoryRatio >= o.highMemoryRatio;
    if (next === this.#engaged) return;
    this.#engaged = next;
    this.#logger.warn({ jobs, memoryRatio: Number(memoryRatio.toFixed(3)) },
      next ? 'Backpressure on: listeners stop taking input until the backlog drains' : 'Backpressure off: listeners take input again');
    for (const listener of this.#listeners) listener(next);
  }
}

/** The error a held-back submit rejects with (webhooks turn it into 503 + Retry-After). */
export class BackpressureError extends Error {
  constructor() {
    super('backlog above the high watermark');
    this.name = 'BackpressureError';
  }
}
