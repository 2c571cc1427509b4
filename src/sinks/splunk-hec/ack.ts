import { setTimeout as sleep } from 'node:timers/promises';

export interface AckPolling {
  pollIntervalMs: number;
  timeoutMs: number;
}

/**
 * Indexer acknowledgement (contracts §7.4): asks HEC every pollIntervalMs which ack ids are
 * indexed until all are or timeoutMs has passed, and returns those that were. Splunk forgets an
 * id once it has reported it true, so each true is recorded at once. A failed poll is just
 * another unanswered round: the deadline decides, and why the last poll failed is kept for the
 * retry's detail.
 */
export async function awaitAcks(
  query: (ids: readonly number[]) => Promise<Set<number>>,
  ids: readonly number[],
  polling: AckPolling,
): Promise<{ acknowledged: Set<number>; lastFailure?: string }> {
  const acknowledged = new Set<number>();
  let lastFailure: string | undefined;
  const pending = new Set(ids);
  const deadline = Date.now() + polling.timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    await sleep(Math.min(polling.pollIntervalMs, Math.max(0, deadline - Date.now())));
    try {
      for (const id of await query([...pending])) {
        acknowledged.add(id);
        pending.delete(id);
      }
    } catch (error) {
      // Unanswered round (network, 503, an answer of another shape): poll again until the deadline.
      lastFailure = error instanceof Error ? error.message : String(error);
    }
  }
  return lastFailure === undefined ? { acknowledged } : { acknowledged, lastFailure };
}
