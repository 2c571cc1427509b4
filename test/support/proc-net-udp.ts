import { readFileSync } from 'node:fs';

/**
 * The kernel's own drop count for the UDP sockets bound to `port`: the `drops` column (the 13th)
 * of /proc/net/udp and /proc/net/udp6, summed (Linux net/ipv4/udp.c udp4_format_sock). Read here
 * independently of vigil's own reader, so tests and benches check vigil's metric against it.
 */
export function kernelUdpDrops(port: number): number {
  let drops = 0;
  for (const path of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(path, 'latin1').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length >= 13 && Number.parseInt(fields[1].split(':').pop()!, 16) === port) drops += Number(fields[12]);
    }
  }
  return drops;
}
