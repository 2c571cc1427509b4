import { join } from 'node:path';
import type { SinkDeps, SinkFactory } from '../kit/factory.ts';
import { fileSchema, type FileConfig } from './config.ts';
import { FileSink } from './sink.ts';

export const file: SinkFactory<FileConfig> = {
  schema: fileSchema,
  env: { VIGIL_FILE_PATH: ['path'] },
  create: (config: FileConfig, deps: SinkDeps) => new FileSink(config.path ?? join(deps.dataDir, 'events.ndjson'), deps.name),
};
