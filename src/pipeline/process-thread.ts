import { parentPort, workerData } from 'node:worker_threads';
import { processPayload } from './process-batch.ts';
import { compileFilters, type FilterConfig } from './sink-filter.ts';

// Worker-thread entry of the process pool: payload in, processed batch out. The sinks' filters
// come as plain config in workerData and are compiled once per thread.
const filters = compileFilters((workerData as { filters?: Record<string, FilterConfig> } | undefined)?.filters ?? {});
parentPort!.on('message', ({ id, payload }: { id: number; payload: string }) => {
  try {
    parentPort!.postMessage({ id, result: processPayload(payload, filters) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error)?.stack ?? String(error) });
  }
});
