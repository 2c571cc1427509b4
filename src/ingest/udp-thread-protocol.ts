import type { AddressInfo } from 'node:net';

/** What the UDP thread is started with (workerData). */
export interface UdpThreadOptions {
  host: string;
  port: number;
  type: 'udp4' | 'udp6';
  maxMessageBytes: number;
  /** SO_RCVBUF asked for; 0 keeps the system default. */
  receiveBufferBytes: number;
  groupMaxEvents: number;
  groupMaxWaitMs: number;
  /** Text posted but not yet taken by the main thread, at most; beyond it datagrams are dropped (backpressure). */
  maxUnackedBytes: number;
  /** How often the kernel's drop count of the socket is read. */
  dropPollMs: number;
}

/** One datagram, framed and stamped; `text` is empty for an empty datagram. */
export interface UdpDatagram {
  text: string;
  receivedAt: number;
  address: string;
  port: number;
  tags?: string[];
}

export type FromUdpThread =
  | { type: 'listening'; address: AddressInfo; receiveBufferBytes: number; setError?: string }
  | { type: 'bind-error'; message: string; code?: string }
  | { type: 'socket-error'; message: string }
  | { type: 'group'; datagrams: UdpDatagram[]; bytes: number; backpressureDrops: number }
  | { type: 'drops'; receiveBuffer: number }
  | { type: 'closed' };

export type ToUdpThread = { type: 'ack'; bytes: number } | { type: 'close'; graceMs?: number };
