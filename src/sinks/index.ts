import type { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { KnownLabelValues } from '../observability/security-events.ts';
import { elasticsearch } from './elasticsearch/index.ts';
import { file } from './file/index.ts';
import type { Sink } from './kit/types.ts';
import { loki } from './loki/index.ts';
import { opensearch } from './opensearch/index.ts';
import { splunkHec } from './splunk-hec/index.ts';

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
}

/** Every sink vigil can deliver to: one line each. */
export const sinks: Record<string, SinkFactory<any>> = {
  elasticsearch,
  opensearch,
  'splunk-hec': splunkHec,
  loki,
  file,
};

export type { Sink, SinkEvent, Outcome } from './kit/types.ts';
