import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Metrics } from '../metrics/metrics.ts';

/**
 * A write to Redis that fewer replicas than asked confirmed in time: the batch may be on the
 * master only, and a failover now would lose it. The listener reports it as not stored.
 */
export class ReplicaAckShortfall extends Error {}

/**
 * Redis replicates asynchronously, so a batch the master took can be missing on the replica a
 * failover promotes. `WAIT numreplicas timeout` blocks the connection until every write it sent
 * before has reached that many replicas, or the timeout passes, and answers how many did
 * (https://redis.io/docs/latest/commands/wait/). It counts the writes of the connection it runs
 * on, so it runs on the one that wrote `key`: on a Cluster, that of the master holding its slot.
 *
 * Returns the check to run after a write; it throws ReplicaAckShortfall (counted) when fewer
 * replicas than `replicas` answered within `timeoutMs`. `slots` remembers the slot of keys asked
 * for again and again (a queue's), so only new keys cost a CLUSTER KEYSLOT.
 */
export function replicaWaiter(options: { replicas: number; timeoutMs: number }, metrics: Metrics): (client: Redis | Cluster, key: string, remember?: boolean) => Promise<void> {
  const { replicas, timeoutMs } = options;
  const slots = new Map<string, number>();
  return async (client, key, remember = false) => {
    let node: Redis = client as Redis;
    if ('isCluster' in client && client.isCluster) {
      const cluster = client as Cluster;
      const slot = slots.get(key) ?? Number(await cluster.cluster('KEYSLOT', key));
      if (remember) slots.set(key, slot);
      const master = cluster.slots[slot]?.[0];
      const found = cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
      if (!found) throw new ReplicaAckShortfall(`no known master holds slot ${slot} of ${key}: the cluster is failing over`);
      node = found;
    }
    const acknowledged = await node.wait(replicas, timeoutMs);
    if (acknowledged < replicas) {
      metrics.replicaShortfalls.inc();
      throw new ReplicaAckShortfall(`${acknowledged} of the ${replicas} replicas redis.min_replicas_ack asks for confirmed the batch within ${timeoutMs} ms`);
    }
  };
}

/** replicaWaiter for the writes of one BullMQ queue, on the queue's own connection. */
export function awaitReplicas(queue: Queue, options: { replicas: number; timeoutMs: number }, metrics: Metrics): () => Promise<void> {
  const wait = replicaWaiter(options, metrics);
  return async () => wait((await queue.backend.client) as unknown as Redis | Cluster, queue.keys.id, true);
}
