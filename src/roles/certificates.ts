import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { watchTlsFiles, type TlsFiles, type TlsPem, type TlsReloader } from '../ingest/tls-context.ts';

/** Every listener certificate of this process: reloaded when its files change, and all at once on SIGHUP. */
export class Certificates {
  readonly #reloaders: TlsReloader[] = [];
  readonly #options: { metrics: Metrics; logger: Logger; pollIntervalMs: number };

  constructor(options: { metrics: Metrics; logger: Logger; pollIntervalMs: number }) {
    this.#options = options;
  }

  watch = (listener: string, files: TlsFiles, apply: (pem: TlsPem) => void): void => {
    this.#reloaders.push(watchTlsFiles({ listener, files, apply, ...this.#options }));
  };

  /** False when any file is bad (that listener keeps its old certificate). */
  reload(): boolean {
    return this.#reloaders.map((r) => r.reload()).every(Boolean);
  }

  stop(): void {
    this.#reloaders.forEach((r) => r.stop());
  }
}
