import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Datagrams the kernel dropped because a socket's receive buffer was full. UDP has no
 * backpressure and the kernel tells the receiver nothing; Linux counts the drops per socket in the
 * last column ("drops") of /proc/net/udp and /proc/net/udp6 (net/ipv4/udp.c, udp4_format_sock).
 * A line is ours when its local port is ours and its inode is one of this process's sockets
 * (/proc/self/fd links read "socket:[inode]"), so another process's socket on the port with
 * SO_REUSEPORT, or in another network namespace, is never counted.
 * Elsewhere (no /proc) it reads undefined: the drops cannot be known there.
 */
export function udpDropReader(port: number): () => number | undefined {
  // Found once: a bound socket keeps its inode (reading every fd link per poll would cost more).
  let inodes: Set<string> | undefined;
  return () => {
    const tables = ['/proc/net/udp', '/proc/net/udp6'].map(readOrEmpty);
    if (tables.every((t) => t === '')) return undefined;
    const own = inodes ?? ownSocketInodes();
    const drops = sumDrops(tables, port, own);
    if (drops && !inodes) inodes = new Set(drops.inodes);
    return drops?.total;
  };
}

function sumDrops(tables: string[], port: number, inodes: Set<string>): { total: number; inodes: string[] } | undefined {
  const matched: string[] = [];
  let drops = 0;
  for (const table of tables) {
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
      if (fields.length < 13) continue;
      const localPort = Number.parseInt(fields[1].slice(fields[1].lastIndexOf(':') + 1), 16);
      if (localPort !== port || !inodes.has(fields[9])) continue;
      matched.push(fields[9]);
      drops += Number(fields[12]);
    }
  }
  return matched.length ? { total: drops, inodes: matched } : undefined;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return '';
  }
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // Closed meanwhile (the directory listing itself holds an fd).
    }
  }
  return inodes;
}
