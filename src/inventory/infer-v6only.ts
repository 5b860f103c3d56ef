import type { SocketRecord } from '../model/socket-record.js';
import { isIpv4MappedAddress } from './exposure.js';

/** Families and states for which the kernel reports IPV6_V6ONLY (sock_diag: AF_INET6 in LISTEN or CLOSE). */
const V6ONLY_FAMILIES = new Set(['tcp', 'udp', 'udplite']);
const V6ONLY_STATES = new Set(['LISTEN', 'UNCONN', 'CLOSE']);

/**
 * Fills in v6only (source `inferred`) for the IPv6 sockets of one namespace whose table
 * was read as /proc text, which has no IPV6_V6ONLY (a sock_diag dump reports each
 * socket's own, source `socket`, and those are left alone). `namespaceDefault` gives the
 * namespace's net.ipv6.bindv6only (null: not known), asked for only when needed.
 *
 * The default is what a socket has unless its program set IPV6_V6ONLY itself, except where
 * the kernel tells otherwise:
 * - an IPv4-mapped address (`::ffff:127.0.0.1`) can only be bound with IPV6_V6ONLY off
 *   (EINVAL otherwise): false;
 * - a TCP listener on `[::]:P` beside an IPv4 TCP listener on `0.0.0.0:P` of the same
 *   namespace: true, since a dual-stack one would have failed to bind (EADDRINUSE) unless
 *   both set SO_REUSEPORT, which is rare for a pair of wildcard listeners. This is what
 *   sshd, nginx and most daemons that listen on both do.
 *
 * @example
 *   default false; tcp [::]:9101 LISTEN                      -> v6only false (dual-stack)
 *   default false; tcp 0.0.0.0:22 and tcp [::]:22 LISTEN     -> [::]:22 v6only true
 *   default true;  tcp [::ffff:127.0.0.1]:80 LISTEN          -> v6only false
 *   default null;  tcp [::]:9101 LISTEN                      -> v6only stays null (unknown)
 */
export function inferV6only(sockets: readonly SocketRecord[], namespaceDefault: () => boolean | null): void {
  let wildcardTcp4Ports: Set<number> | null = null;
  let fallback: boolean | null | undefined;
  for (const socket of sockets) {
    // ipVersion first: it rules out most sockets with one comparison (every one is looked at)
    if (socket.ipVersion !== 6 || socket.v6only !== null || !V6ONLY_FAMILIES.has(socket.family) || !V6ONLY_STATES.has(socket.state)) continue;
    let inferred: boolean | null;
    if (isIpv4MappedAddress(socket.localAddress)) {
      inferred = false;
    } else {
      wildcardTcp4Ports ??= new Set(sockets.filter((other) => other.family === 'tcp' && other.ipVersion === 4 && other.state === 'LISTEN' && other.localAddress === '0.0.0.0').map((other) => other.localPort!));
      if (socket.family === 'tcp' && socket.state === 'LISTEN' && socket.localAddress === '::' && wildcardTcp4Ports.has(socket.localPort!)) inferred = true;
      else inferred = fallback === undefined ? (fallback = namespaceDefault()) : fallback;
    }
    if (inferred !== null) {
      socket.v6only = inferred;
      socket.v6onlySource = 'inferred';
    }
  }
}
