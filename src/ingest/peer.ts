/**
 * The sending peer as 'ip:port'. IPv4-mapped IPv6 addresses (a dual-stack socket bound to '::')
 * are shown as the IPv4 address they are; other IPv6 addresses are bracketed, '[2001:db8::1]:514',
 * so the port stays unambiguous.
 */
export function formatPeer(address: string | undefined, port: number | undefined): string {
  let ip = address ?? 'unknown';
  if (ip.startsWith('::ffff:') && ip.includes('.')) ip = ip.slice(7);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `${host}:${port ?? 0}`;
}

/** The peer's IP alone (IPv4-mapped IPv6 as IPv4): the key of per-peer limits. */
export function peerIp(address: string | undefined): string {
  const ip = address ?? 'unknown';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
