import { hostname } from 'node:os';
import type { Metrics } from '../metrics/metrics.ts';

/** What the status page shows besides events, all read from this process's own metrics. */
export interface StatusSnapshot {
  node: { host: string; pid: number; role: string; uptimeSeconds: number };
  listeners: Array<{ listener: string; received: number; perSecond: number; dropped: number; connections: number }>;
  /** Events the process stage made per format, and of those tagged parse_failure. */
  formats: Array<{ format: string; parsed: number; perSecond: number; failed: number }>;
  sinks: SinkStatus[];
  queues: Array<{ queue: string; jobs: number }>;
  /** Seconds the rates are averaged over. */
  rateWindowSeconds: number;
}

export type SinkHealth = 'up' | 'down' | 'halted';

export interface SinkStatus {
  sink: string;
  health: SinkHealth;
  /** Why: the retry reasons that grew while nothing was accepted, or that nothing was sent yet. */
  detail: string;
  forwarded: number;
  perSecond: number;
  retries: Record<string, number>;
  deadLetters: Record<string, number>;
  /** Events in the sink's dead-letter queue now. */
  dlqDepth: number;
  /** Batches waiting or delayed in the sink's queue. */
  backlogJobs: number;
}

interface Sample {
  at: number;
  received: Map<string, number>;
  forwarded: Map<string, number>;
  parsed: Map<string, number>;
  retried: Map<string, number>;
  retriedBy: Map<string, Record<string, number>>;
}

/**
 * Samples the counters every `intervalMs` to give rates (over up to `windowMs`) and each sink's
 * health: down when its retries grew while it accepted nothing since the previous sample, up again
 * once it accepts events, halted while the backend refuses our credentials (vigil_sink_halted).
 * A sink that has not been sent anything since the last change keeps its state.
 */
export class StatusSampler {
  readonly #metrics: Metrics;
  readonly #role: string;
  readonly #intervalMs: number;
  readonly #windowMs: number;
  readonly #samples: Sample[] = [];
  readonly #health = new Map<string, { health: 'up' | 'down'; detail: string }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(metrics: Metrics, options: { role: string; intervalMs?: number; windowMs?: number }) {
    this.#metrics = metrics;
    this.#role = options.role;
    this.#intervalMs = options.intervalMs ?? 2_000;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  start(): void {
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async snapshot(): Promise<StatusSnapshot> {
    const m = this.#metrics;
    const now = await this.#read();
    const base = this.#samples[0] ?? now;
    const seconds = Math.max((now.at - base.at) / 1000, 0.001);
    const rate = (key: string, field: 'received' | 'forwarded' | 'parsed') =>
      base === now ? 0 : Math.max(0, ((now[field].get(key) ?? 0) - (base[field].get(key) ?? 0)) / seconds);

    const dropped = sumBy(await m.dropped.get(), 'listener');
    const connections = sumBy(await m.connections.get(), 'listener');
    const listeners = [...now.received.keys()].sort().map((listener) => ({
      listener, received: now.received.get(listener) ?? 0, perSecond: rate(listener, 'received'),
      dropped: dropped.get(listener) ?? 0, connections: connections.get(listener) ?? 0,
    }));

    const failed = sumBy(await m.parseFailed.get(), 'format');
    const formats = [...now.parsed.keys()].sort().map((format) => ({
      format, parsed: now.parsed.get(format) ?? 0, perSecond: rate(format, 'parsed'), failed: failed.get(format) ?? 0,
    }));

    const queues = [...sumBy(await m.queueDepth.get(), 'queue')].map(([queue, jobs]) => ({ queue, jobs })).sort((a, b) => a.queue.localeCompare(b.queue));
    const halted = sumBy(await m.sinkHalted.get(), 'sink');
    const dlq = sumBy(await m.dlqDepth.get(), 'sink');
    const retries = byTwo(await m.retried.get(), 'sink', 'reason');
    const dead = byTwo(await m.deadLettered.get(), 'sink', 'reason');
    const sinks = [...now.forwarded.keys()].sort().map((sink): SinkStatus => {
      const state = this.#health.get(sink) ?? { health: 'up' as const, detail: 'nothing sent yet' };
      const isHalted = (halted.get(sink) ?? 0) > 0;
      return {
        sink,
        health: isHalted ? 'halted' : state.health,
        detail: isHalted ? 'the backend refused our credentials; events wait in the queue' : state.detail,
        forwarded: now.forwarded.get(sink) ?? 0,
        perSecond: rate(sink, 'forwarded'),
        retries: retries.get(sink) ?? {},
        deadLetters: dead.get(sink) ?? {},
        dlqDepth: dlq.get(sink) ?? 0,
        backlogJobs: queues.find((q) => q.queue === `sink-${sink}`)?.jobs ?? 0,
      };
    });
    return {
      node: { host: hostname(), pid: process.pid, role: this.#role, uptimeSeconds: Math.round(process.uptime()) },
      listeners, formats, sinks, queues, rateWindowSeconds: Math.round(seconds),
    };
  }

  async #read(): Promise<Sample> {
    const m = this.#metrics;
    return {
      at: Date.now(),
      received: sumBy(await m.received.get(), 'listener'),
      forwarded: sumBy(await m.forwarded.get(), 'sink'),
      parsed: sumBy(await m.parsed.get(), 'format'),
      retried: sumBy(await m.retried.get(), 'sink'),
      retriedBy: byTwo(await m.retried.get(), 'sink', 'reason'),
    };
  }

  /** Takes one sample now (the timer calls it every intervalMs). */
  async sample(): Promise<void> {
    const next = await this.#read();
    const previous = this.#samples.at(-1);
    if (previous) {
      for (const sink of next.forwarded.keys()) {
        const accepted = (next.forwarded.get(sink) ?? 0) - (previous.forwarded.get(sink) ?? 0);
        const retried = (next.retried.get(sink) ?? 0) - (previous.retried.get(sink) ?? 0);
        if (accepted > 0) this.#health.set(sink, { health: 'up', detail: 'accepting events' });
        else if (retried > 0) {
          const before = previous.retriedBy.get(sink) ?? {};
          const grown = Object.entries(next.retriedBy.get(sink) ?? {}).filter(([r, n]) => n > (before[r] ?? 0)).map(([r]) => r).join(', ');
          this.#health.set(sink, { health: 'down', detail: `deliveries failing (${grown}); events are retried` });
        }
      }
    }
    this.#samples.push(next);
    while (this.#samples.length > 1 && next.at - this.#samples[0].at > this.#windowMs) this.#samples.shift();
  }
}

type MetricValues = { values: Array<{ value: number; labels: Record<string, string | number | undefined> }> };

function sumBy(metric: MetricValues, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { value, labels } of metric.values) {
    const key = String(labels[label] ?? '');
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  return sums;
}

/** Nonzero values by one label, then another: { sink: { reason: n } }. */
function byTwo(metric: MetricValues, outer: string, inner: string): Map<string, Record<string, number>> {
  const result = new Map<string, Record<string, number>>();
  for (const { value, labels } of metric.values) {
    if (!value) continue;
    const key = String(labels[outer] ?? '');
    const entry = result.get(key) ?? {};
    entry[String(labels[inner] ?? '')] = value;
    result.set(key, entry);
  }
  return result;
}
