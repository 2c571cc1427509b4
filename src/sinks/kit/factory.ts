import type { z } from 'zod';
import type { Logger } from '../../telemetry/logger.ts';
import type { KnownLabelValues } from '../../telemetry/security-events.ts';
import type { Sink } from './types.ts';

/** What a sink factory gets besides its own validated config section. */
export interface SinkDeps {
  /** The instance name (`sinks.<name>`): names its queue, dead-letter queue and metrics. Unset: the type's own name. */
  name?: string;
  logger: Logger;
  /** vigil's state directory (file sink default path). */
  dataDir: string;
  /** Cluster and namespace values a sink may use as labels (labels.* in the config); others are _other. Unset: none. */
  labels?: KnownLabelValues;
}

export interface SinkFactory<C = unknown> {
  /** Validates and defaults the sink's section under `sinks.<name>` of the config. */
  schema: z.ZodType<C>;
  create(config: C, deps: SinkDeps): Sink;
  /**
   * Environment variables that set keys of this section, by variable: `VIGIL_LOKI_USERNAME` →
   * `['basic_auth', 'username']`. Each can also be read from a file named by `<VARIABLE>_FILE`.
   */
  env?: Readonly<Record<string, readonly string[]>>;
}
