import type { RawEvent } from '../normalize/raw-event.ts';

/**
 * Where listeners hand framed events. The promise resolves once the events are stored in Redis
 * (webhooks answer 2xx only then) and rejects when they could not be (webhooks answer 503).
 * It always settles: a TCP connection retries a rejected batch only once its other submits have
 * settled (to keep read order), so one left pending would hold that connection back for good.
 */
export interface Submit {
  (events: RawEvent[]): Promise<void>;
}
