import type { EcsEvent } from './ecs.ts';

/**
 * What every parser returns. Parsers never throw across this boundary: a failure carries a short
 * reason (it becomes error.message and the parse_failure tag) and whatever was understood before
 * the failure (for example the syslog header), so the forwarded event keeps it.
 */
export type ParseResult =
  | { ok: true; events: EcsEvent[] }
  | { ok: false; reason: string; partial?: EcsEvent };

export const ok = (...events: EcsEvent[]): ParseResult => ({ ok: true, events });
/** For one event per item of a batch: spreading 150,000 items into ok() would overflow the stack. */
export const okAll = (events: EcsEvent[]): ParseResult => ({ ok: true, events });
export const fail = (reason: string, partial?: EcsEvent): ParseResult => ({ ok: false, reason, partial });

/** Run a parser body, turning any unexpected exception into a failure (parsers must never crash a worker). */
export function guarded(reasonPrefix: string, body: () => ParseResult): ParseResult {
  try {
    return body();
  } catch (error) {
    return fail(`${reasonPrefix}: ${(error as Error)?.message ?? String(error)}`);
  }
}
