import { z } from 'zod';

/** `sinks.file`: NDJSON on local disk, the embedded default that needs no backend at all. */
export const fileSchema = z
  .object({
    path: z.string().min(1).optional().describe('NDJSON file to append to; directories are created [data_dir/events.ndjson; with no sink configured at all, vigil writes data_dir/out/events.ndjson]'),
  })
  .strict();

export type FileConfig = z.output<typeof fileSchema>;
