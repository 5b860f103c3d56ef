import type { Exposure, SocketFamily } from '../model/socket-record.js';

const INET_FAMILIES: ReadonlySet<SocketFamily> = new Set(['tcp', 'udp', 'udplite', 'raw', 'icmp', 'sctp']);

/**
 * Who may reach a bound inet socket, from its local address (addresses as the collector
 * writes them: dotted IPv4, RFC 5952 IPv6):
 *   "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1" -> loopback
 *   "169.254.1.2", "fe80::1", "febf::1"                   -> link-local
 *   "0.0.0.0", "::", "::ffff:0.0.0.0"                     -> wildcard
 *   "10.0.0.5", "2001:db8::1"                             -> specific
 * Null for non-inet families and sockets without a local address.
 */
export function exposureOf(family: SocketFamily, localAddress: string | null): Exposure | null {
  if (localAddress === null || !INET_FAMILIES.has(family)) return null;
  const address = localAddress.startsWith('::ffff:') && localAddress.includes('.') ? localAddress.slice(7) : localAddress;
  if (address.includes(':')) {
    if (address === '::') return 'wildcard';
    if (address === '::1') return 'loopback';
    // fe80::/10: first group fe80 through febf
    const first = parseInt(address.slice(0, address.indexOf(':')) || '0', 16);
    return first >= 0xfe80 && first <= 0xfebf ? 'link-local' : 'specific';
  }
  if (address === '0.0.0.0') return 'wildcard';
  if (address.startsWith('127.')) return 'loopback';
  if (address.startsWith('169.254.')) return 'link-local';
  return 'specific';
}

/** Exposures from narrowest to widest, for comparing them. */
export const EXPOSURE_ORDER: readonly Exposure[] = ['loopback', 'link-local', 'specific', 'wildcard'];

export function exposureRank(exposure: Exposure | null): number {
  return exposure === null ? -1 : EXPOSURE_ORDER.indexOf(exposure);
}
