/** Open connections per source address, so one peer cannot take a listener's whole connection budget. */
export interface PeerConnections {
  /** Counts a new connection from `ip`; false (and not counted) when the peer is at its limit. */
  open(ip: string): boolean;
  close(ip: string): void;
  /** Peers with at least one open connection. */
  readonly peers: number;
}

export function createPeerConnections(maxPerPeer: number): PeerConnections {
  const open = new Map<string, number>();
  return {
    open(ip) {
      const count = open.get(ip) ?? 0;
      if (count >= maxPerPeer) return false;
      open.set(ip, count + 1);
      return true;
    },
    close(ip) {
      const count = (open.get(ip) ?? 1) - 1;
      if (count <= 0) open.delete(ip);
      else open.set(ip, count);
    },
    get peers() {
      return open.size;
    },
  };
}
