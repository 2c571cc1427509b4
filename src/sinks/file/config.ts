import { z } from 'zod';

/** `sinks.file`: NDJSON on local disk, the embedded default that needs no backend at all. */
export const fileSchema = z
  .object({
    /** File to append to; directories are created. Default: <dataDir>/events.ndjson. */
    path: z.string().min(1).optional(),
  })
  .strict();

export type FileConfig = z.output<typeof fileSchema>;
