import { retry, times } from '../kit/outcome.ts';
import type { Outcome } from '../kit/types.ts';

/**
 * A failed append (disk full, permissions, read-only mount) is an operator's problem that
 * resolves with time or a fix; the events are not at fault, so they are retried, never dead.
 */
export function classifyAppendError(error: unknown, count: number): Outcome[] {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return times(count, retry('unavailable', undefined, code ? `${code}: ${message}` : message));
}
