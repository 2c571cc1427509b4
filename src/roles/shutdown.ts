import type { Logger } from '../telemetry/logger.ts';

/** What a started part needs done on stop; run last-in first-out, so a part stops before what it uses. */
export type Cleanups = Array<() => Promise<void>>;

/** Runs every cleanup (newest first) once; a failing one is logged and the rest still run. */
export async function runCleanups(cleanups: Cleanups, logger: Logger): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => logger.error({ error }, 'Shutdown step failed'));
  }
}
