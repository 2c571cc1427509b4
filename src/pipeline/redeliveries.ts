import type { RedisClient } from '../redis/redis-connection.ts';
import type { KeyLayout } from './queues.ts';
import { decodeSinkBatch, encodeSinkBytes } from './codec.ts';
import type { ProcessedBatch } from './process-batch.ts';
import { remapSelections } from './sink-filter.ts';

/** How long a source-identified event is remembered: far beyond any sender's retry window. */
export const REDELIVERY_WINDOW_SECONDS = 24 * 60 * 60;

// For each key: when unset, set it to this batch's id (with the window) and answer false;
// otherwise answer the batch id that set it. One round trip for a whole batch, on any Redis.
const CLAIM = `
local owners = {}
for i, key in ipairs(KEYS) do
  local owner = redis.call('GET', key)
  if owner then owners[i] = owner else redis.call('SET', key, ARGV[1], 'EX', ARGV[2]); owners[i] = false end
end
return owners`;

/**
 * Drops events a source delivered before: a Kubernetes API server re-sends a whole EventList after
 * any non-2xx, Alertmanager repeats a notification, and the copies carry the same source identity.
 * An id claimed by this same batch (a retried process job) is not a copy, so a crash between the
 * claim and the fan-out cannot lose the events.
 */
export async function dropRedeliveries(redis: RedisClient, keys: KeyLayout, batchId: string, batch: ProcessedBatch): Promise<{ batch: ProcessedBatch; dropped: number }> {
  if (!batch.sourceIds.length || batch.z === undefined) return { batch, dropped: 0 };
  const claims = batch.sourceIds.map((id) => keys.seen(id));
  const owners = (await redis.eval(CLAIM, claims.length, ...claims, batchId, String(REDELIVERY_WINDOW_SECONDS))) as Array<string | null>;
  const copies = new Set(batch.sourceIds.filter((_, i) => owners[i] !== null && owners[i] !== batchId));
  const keyOf = new Map(batch.sourceIds.map((id, i) => [id, batch.sourceKeys[i]]));
  const security = { ...batch.security };
  const seen = new Set<string>();
  const kept: number[] = [];
  const events = decodeSinkBatch(batch.z).filter((event, index) => {
    // Two copies inside one batch: keep the first.
    const keep = !copies.has(event.id) && !(keyOf.has(event.id) && seen.has(event.id));
    if (keyOf.has(event.id)) seen.add(event.id);
    // A dropped copy is not a security event either.
    const key = keyOf.get(event.id);
    if (!keep && key !== undefined) security[key] -= 1;
    if (keep) kept.push(index);
    return keep;
  });
  const dropped = batch.n - events.length;
  if (dropped === 0) return { batch, dropped };
  // A dropped copy was counted as filtered for the sinks that left it out: it stays counted there
  // (it is not delivered to them either way); the selections are renumbered for what remains.
  const selections = remapSelections(batch.selections, kept);
  const rest: ProcessedBatch = { ...batch, z: events.length ? encodeSinkBytes(events) : undefined, n: events.length, security };
  if (selections) rest.selections = selections;
  else delete rest.selections;
  return { batch: rest, dropped };
}
