import { setTimeout as sleep } from 'node:timers/promises';

export interface AckPolling {
  pollIntervalMs: number;
  timeoutMs: number;
}

/**
 * Indexer acknowledgement (contracts §7.4): asks HEC every pollIntervalMs which ack ids are
 * indexed until all are or timeoutMs has passed, and returns those that were. Splunk forgets an
 * id once it has reported it true, so each true is recorded at once. A failed poll is just
 * another unanswered round: the deadline decides.
 */
export async function awaitAcks(
  query: (ids: readonly number[]) => Promise<Set<number>>,
  ids: readonly number[],
  polling: AckPolling,
): Promise<Set<number>> {
  const acknowledged = new Set<number>();
  const pending = new Set(ids);
  const deadline = Date.now() + polling.timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    await sleep(Math.min(polling.pollIntervalMs, Math.max(0, deadline - Date.now())));
    try {
      for (const id of await query([...pending])) {
        acknowledged.add(id);
        pending.delete(id);
      }
    } catch {
      // Unanswered round (network, 503): poll again until the deadline.
    }
  }
  return acknowledged;
}
