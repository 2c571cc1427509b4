import type { Logger } from '../telemetry/logger.ts';
import type { Sink } from '../sinks/kit/types.ts';

/**
 * Each sink's setup (an index template, a credential check) run as soon as its deliver worker
 * starts rather than at its first batch, so a wrong URL or a refused credential shows in the log
 * and in /readyz at once. A failed setup blocks nothing: events wait in the sink's queue, and the
 * next batch runs the setup again before it is sent.
 */
export class SinkSetups {
  /** Sink name → why its last setup failed, for /readyz; no entry once it succeeded. */
  readonly #problems = new Map<string, string>();

  /** The setup of `sink` as a function that runs it once, again only after a failure. */
  register(sink: Sink, logger: Logger): () => Promise<void> {
    let running: Promise<void> | undefined;
    const run = () => {
      running ??= (async () => sink.start?.())().then(
        () => {
          if (this.#problems.delete(sink.name)) logger.info({ sink: sink.name }, 'Sink setup succeeded');
        },
        (error: unknown) => {
          running = undefined;
          this.#problems.set(sink.name, `setup failed (${failureCode(error)}); its events wait in its queue`);
          throw error;
        },
      );
      return running;
    };
    // The message only: an error's properties (a client's request metadata) could carry headers.
    run().catch((error: unknown) => logger.error({ sink: sink.name, detail: (error as Error)?.message?.slice(0, 500) },
      'Sink setup failed at start; its events wait in its queue and setup runs again before each delivery'));
    return run;
  }

  /** Sinks whose setup failed last time, with a short reason that names no host or credential. */
  problems(): Record<string, string> {
    return Object.fromEntries(this.#problems);
  }
}

/** `HTTP 401`, `ECONNREFUSED`, …: the first status or system error code along the cause chain. */
export function failureCode(error: unknown): string {
  for (let at = error, depth = 0; at && typeof at === 'object' && depth < 5; at = (at as { cause?: unknown }).cause, depth++) {
    const { statusCode, code } = at as { statusCode?: unknown; code?: unknown };
    if (typeof statusCode === 'number') return `HTTP ${statusCode}`;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    const named = /\b(E(?:CONNREFUSED|CONNRESET|NOTFOUND|HOSTUNREACH|NETUNREACH|TIMEDOUT|AI_AGAIN))\b/.exec(String((at as Error).message ?? ''));
    if (named) return named[1]!;
  }
  return 'see the log';
}
