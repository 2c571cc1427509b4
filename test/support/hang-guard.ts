import assert from 'node:assert/strict';

/**
 * Guards a parser property against hanging (an endless loop, or a regex that backtracks
 * catastrophically), not against slowness: parsing speed is measured by `npm run bench`. The bound
 * is far above any honest parse of these inputs, even on a loaded 2-core CI machine, and far below
 * the seconds-to-forever that a backtracking blow-up takes.
 */
export const HANG_MS = 5_000;

export function withoutHanging<T>(run: () => T, what = 'parse'): T {
  const started = performance.now();
  const result = run();
  const elapsed = performance.now() - started;
  assert.ok(elapsed < HANG_MS, `${what} took ${elapsed.toFixed(0)} ms: a hang, not a slow parse`);
  return result;
}
