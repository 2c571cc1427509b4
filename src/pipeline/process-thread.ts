import { parentPort } from 'node:worker_threads';
import { processPayload } from './process-batch.ts';

// Worker-thread entry of the process pool: payload in, processed batch out.
parentPort!.on('message', ({ id, payload }: { id: number; payload: string }) => {
  try {
    parentPort!.postMessage({ id, result: processPayload(payload) });
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error)?.stack ?? String(error) });
  }
});
