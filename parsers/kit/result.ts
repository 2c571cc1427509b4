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

/**
 * An input holding more items than it may become events (ParseContext.maxEvents): it is forwarded
 * once, unsplit, with its original text, tagged too_many_items (and parse_failure, as it is not parsed).
 */
export function tooManyItems(items: number, maxEvents: number, what = 'items'): ParseResult {
  const most = `${maxEvents} event${maxEvents === 1 ? '' : 's'}`;
  return fail(`${items} ${what} in one input, which may become at most ${most}: forwarded unsplit`, { tags: ['too_many_items'] });
}

/** Run a parser body, turning any unexpected exception into a failure (parsers must never crash a worker). */
export function guarded(reasonPrefix: string, body: () => ParseResult): ParseResult {
  try {
    return body();
  } catch (error) {
    return fail(`${reasonPrefix}: ${(error as Error)?.message ?? String(error)}`);
  }
}
