import type { Exposure, SocketFamily, SocketRecord } from '../model/socket-record.js';

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

/** Families whose IPV6_V6ONLY sockaudit records (see SocketRecord.v6only). */
const V6ONLY_FAMILIES: ReadonlySet<SocketFamily> = new Set(['tcp', 'udp', 'udplite']);

/** `::ffff:a.b.c.d`: an IPv4 address in an IPv6 socket, reached over IPv4 only. */
export function isIpv4MappedAddress(address: string | null): boolean {
  return address !== null && address.startsWith('::ffff:') && address.includes('.');
}

/**
 * Whether a socket of an IPv6 table also accepts IPv4: a TCP listener or unconnected
 * UDP/UDP-Lite socket bound to `::` with IPV6_V6ONLY off (Linux's default,
 * net.ipv6.bindv6only=0). null when that cannot be known (v6only not recorded).
 *   tcp [::]:9101, v6only false              -> true (dual-stack)
 *   tcp [::]:9101, v6only true               -> false
 *   tcp [::]:9101, v6only null               -> null (may be)
 *   tcp [::1]:22, tcp 0.0.0.0:22, tcp [::ffff:127.0.0.1]:22, connections -> false
 * SCTP is not covered: its v6only is not recorded.
 */
export function isDualStack(socket: SocketRecord): boolean | null {
  if (socket.ipVersion !== 6 || socket.localAddress !== '::' || !V6ONLY_FAMILIES.has(socket.family)) return false;
  if (socket.state !== 'LISTEN' && socket.state !== 'UNCONN') return false;
  // not a boolean: unknown (null, or absent from a record of an older inventory file)
  return typeof socket.v6only === 'boolean' ? !socket.v6only : null;
}

/**
 * The IP versions an inet socket can be reached over, for policy: an IPv4-mapped address
 * counts as IPv4 only; a dual-stack socket, or one that may be (isDualStack null), as both.
 *   tcp 0.0.0.0:22 -> [4]; tcp [::1]:22 -> [6]; tcp [::]:9101 dual-stack -> [4, 6];
 *   tcp [::ffff:127.0.0.1]:22 -> [4]; unix, packet, netlink -> []
 */
export function reachedIpVersions(socket: SocketRecord): (4 | 6)[] {
  if (socket.ipVersion === 4) return [4];
  if (socket.ipVersion !== 6) return [];
  if (isIpv4MappedAddress(socket.localAddress)) return [4];
  return isDualStack(socket) === false ? [6] : [4, 6];
}

/**
 * The short mark the human-readable formats put after a dual-stack socket's address:
 * `v4+v6`, `v4+v6 inferred` (from the namespace's default, not the socket), `v4+v6?` (not
 * known); null for every socket that is not, or cannot be, dual-stack.
 */
export function dualStackMark(socket: SocketRecord): string | null {
  const dual = isDualStack(socket);
  if (dual === false) return null;
  if (dual === null) return 'v4+v6?';
  return socket.v6onlySource === 'inferred' ? 'v4+v6 inferred' : 'v4+v6';
}

/**
 * The family as the human-readable formats name it, by the IP versions it answers: `tcp`
 * for IPv4, an IPv4-mapped address and a dual-stack socket (which dualStackMark marks);
 * `tcp6` for IPv6 only, or not known to answer IPv4.
 */
export function versionedFamily(socket: SocketRecord): string {
  if (socket.ipVersion !== 6 || isIpv4MappedAddress(socket.localAddress) || isDualStack(socket) === true) return socket.family;
  return `${socket.family}6`;
}
