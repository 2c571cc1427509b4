import type { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { Sink } from './kit/types.ts';

/** What a sink factory gets besides its own validated config section. */
export interface SinkDeps {
  logger: Logger;
  /** vigil's state directory (file sink default path). */
  dataDir: string;
}

export interface SinkFactory<C = unknown> {
  /** Validates and defaults the sink's section under `sinks.<name>` of the config. */
  schema: z.ZodType<C>;
  create(config: C, deps: SinkDeps): Sink;
}

/** Every sink vigil can deliver to: one line each. */
export const sinks: Record<string, SinkFactory<any>> = {
};

export type { Sink, SinkEvent, Outcome } from './kit/types.ts';
