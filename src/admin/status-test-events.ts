import type { AddressInfo } from 'node:net';
import { clientHost, sendStream, sendUdp } from '../send-test/send-test.ts';
import { makeSample, SAMPLE_TYPES } from '../send-test/samples.ts';

export interface TestEventsResult {
  /** The listener the samples went to. */
  via: 'tcp' | 'udp';
  sent: Array<{ type: string; id: string }>;
}

/** Thrown when this process has no listener to send to: the page says so. */
export class NoTestTargetError extends Error {}

/**
 * The status page's "send test events": one `vigil send-test` sample of each kind, sent by the
 * same code as that command to this process's own syslog listener, so they take the normal ingest
 * path (framing, limits, batching, Redis) like any sender's events. TCP when it listens, else UDP.
 */
export function createTestEventSender(addresses: () => { tcp?: AddressInfo; udp?: AddressInfo }): () => Promise<TestEventsResult> {
  return async () => {
    const { tcp, udp } = addresses();
    const samples = SAMPLE_TYPES.map((type) => ({ type, sample: makeSample(type) }));
    const list = samples.map(({ sample }) => sample);
    let via: TestEventsResult['via'];
    if (tcp) {
      await sendStream('tcp', clientHost(tcp.address), tcp.port, list, {});
      via = 'tcp';
    } else if (udp) {
      await sendUdp(clientHost(udp.address), udp.port, list);
      via = 'udp';
    } else {
      throw new NoTestTargetError('this process runs no syslog TCP or UDP listener (role or listen.*_port): use vigil send-test against one that does');
    }
    return { via, sent: samples.map(({ type, sample }) => ({ type, id: sample.id })) };
  };
}
