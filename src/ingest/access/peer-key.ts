import { isIPv6 } from 'node:net';
import { peerIp } from '../peer.ts';

/**
 * The source a per-peer limit counts: an IPv4 address as it is (IPv4-mapped IPv6 included), an
 * IPv6 address by its /64. One host is routinely handed a whole /64 (RFC 6177, SLAAC and privacy
 * addresses, RFC 8981), so counting each address would let one host rotate past every per-address
 * limit with addresses it owns anyway.
 */
export function peerKey(address: string | undefined): string {
  const ip = peerIp(address);
  if (!isIPv6(ip)) return ip;
  const groups = expandIPv6(ip);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 as two groups), lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
