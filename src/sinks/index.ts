import { elasticsearch } from './elasticsearch/index.ts';
import { file } from './file/index.ts';
import type { SinkFactory } from './kit/factory.ts';
import { loki } from './loki/index.ts';
import { opensearch } from './elasticsearch/opensearch.ts';
import { splunkHec } from './splunk-hec/index.ts';


/** Every sink vigil can deliver to: one line each. */
export const sinks: Record<string, SinkFactory<any>> = {
  elasticsearch,
  opensearch,
  'splunk-hec': splunkHec,
  loki,
  file,
};

export type { Sink, SinkEvent, Outcome } from './kit/types.ts';
export type { SinkDeps, SinkFactory } from './kit/factory.ts';
