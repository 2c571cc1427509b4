import type { SinkFactory } from '../kit/factory.ts';
import { splunkHecSchema, type SplunkHecConfig } from './config.ts';
import { SplunkHecSink } from './sink.ts';

export const splunkHec: SinkFactory<SplunkHecConfig> = {
  schema: splunkHecSchema,
  env: { VIGIL_SPLUNK_HEC_URL: ['url'], VIGIL_SPLUNK_HEC_TOKEN: ['token'] },
  create: (config, deps) => new SplunkHecSink(config, deps),
};
