import type { SinkFactory } from '../kit/factory.ts';
import { lokiSchema, type LokiConfig } from './config.ts';
import { LokiSink } from './sink.ts';

export const loki: SinkFactory<LokiConfig> = {
  schema: lokiSchema,
  env: {
    VIGIL_LOKI_URL: ['url'], VIGIL_LOKI_USERNAME: ['basic_auth', 'username'], VIGIL_LOKI_PASSWORD: ['basic_auth', 'password'],
    VIGIL_LOKI_BEARER_TOKEN: ['bearer_token'],
  },
  create: (config, deps) => new LokiSink(config, deps),
};
