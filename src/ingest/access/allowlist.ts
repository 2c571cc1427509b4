import { BlockList, isIP } from 'node:net';
import { parseCidr, unmapIPv4 } from '../../config/cidr.ts';

/** Whether a peer address may use a listener. */
export type AddressCheck = (address: string | undefined) => boolean;

/**
 * A source-address allowlist from CIDRs or single addresses (IPv4 or IPv6), on node's
 * net.BlockList. An IPv4-mapped IPv6 peer (a dual-stack socket bound to '::') is checked as the
 * IPv4 address it is, so `10.0.0.0/8` matches `::ffff:10.1.2.3`. No entries: everyone may connect.
 */
export function createAllowlist(entries: readonly string[]): AddressCheck {
  if (entries.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of entries) {
    const rule = parseCidr(entry);
    if (!rule) throw new Error(`Not an IP address or CIDR: ${entry}`);
    list.addSubnet(rule.address, rule.prefix, rule.family);
  }
  return (address) => {
    if (address === undefined) return false;
    const plain = unmapIPv4(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}
