import type net from 'node:net';
import { peerKey } from './peer-key.ts';

/** Open connections per source (peerKey: an IPv4 address, an IPv6 /64), so one peer cannot take a listener's whole connection budget. */
export interface PeerConnections {
  /** Counts a new connection from source `key`; false (and not counted) when the source is at its limit. */
  open(key: string): boolean;
  close(key: string): void;
  /**
   * Counts `socket` as it arrives, before any TLS handshake or HTTP request, and frees its slot
   * when it closes; false (not counted) when its source is at the limit. Counting on arrival is
   * what bounds connections that never finish a handshake or a request.
   */
  admit(socket: net.Socket): boolean;
  /** Sources with at least one open connection. */
  readonly peers: number;
}

export function createPeerConnections(maxPerPeer: number): PeerConnections {
  const open = new Map<string, number>();
  const counter: PeerConnections = {
    open(key) {
      const count = open.get(key) ?? 0;
      if (count >= maxPerPeer) return false;
      open.set(key, count + 1);
      return true;
    },
    close(key) {
      const count = (open.get(key) ?? 1) - 1;
      if (count <= 0) open.delete(key);
      else open.set(key, count);
    },
    admit(socket) {
      const key = peerKey(socket.remoteAddress);
      if (!counter.open(key)) return false;
      // The raw socket closes however the connection ends (a TLSSocket built on it closing included).
      socket.once('close', () => counter.close(key));
      return true;
    },
    get peers() {
      return open.size;
    },
  };
  return counter;
}
