import { dualStackMark } from '../inventory/exposure.js';
import type { SocketRecord } from '../model/socket-record.js';

/** Netlink protocol names as ss prints them, for the common ones. */
const NETLINK_PROTOCOLS: Record<number, string> = {
  0: 'rtnl',
  2: 'usersock',
  4: 'tcpdiag',
  6: 'xfrm',
  7: 'selinux',
  9: 'audit',
  10: 'fiblookup',
  11: 'connector',
  12: 'nft',
  15: 'uevent',
  16: 'genl',
  18: 'scsitrans',
  19: 'crypto',
};

/** ss-style Netid: tcp, udp, u_str, u_dgr, u_seq, p_raw, p_dgr, nl, raw, icmp, sctp. */
export function netidOf(socket: SocketRecord): string {
  switch (socket.family) {
    case 'unix':
      return socket.type === 'dgram' ? 'u_dgr' : socket.type === 'seqpacket' ? 'u_seq' : 'u_str';
    case 'packet':
      return socket.type === 'dgram' ? 'p_dgr' : 'p_raw';
    case 'netlink':
      return 'nl';
    default:
      return socket.family;
  }
}

/** "10.0.0.5", 22 -> "10.0.0.5:22"; "::1", 22 -> "[::1]:22"; missing port -> "*". */
function hostPort(address: string, port: number | null): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `${host}:${port === null ? '*' : port}`;
}

/** The local end as a person reads it, per family; a dual-stack one marked (see dualStackMark). */
export function localEndpoint(socket: SocketRecord): string {
  switch (socket.family) {
    case 'unix':
      return socket.path ?? '*';
    case 'packet':
      return `${socket.interface ?? '*'}:0x${(socket.protocol ?? 0).toString(16).padStart(4, '0')}`;
    case 'netlink':
      return `${NETLINK_PROTOCOLS[socket.protocol ?? -1] ?? `nl${socket.protocol}`}:${socket.localPort}`;
    case 'raw':
      return `${hostPort(socket.localAddress ?? '*', null)} proto=${socket.protocol}`;
    default: {
      if (socket.localAddress === null) return '*';
      // a dual-stack socket of the IPv6 table answers IPv4 too: `[::]:9101 (v4+v6)`
      const mark = dualStackMark(socket);
      return mark === null ? hostPort(socket.localAddress, socket.localPort) : `${hostPort(socket.localAddress, socket.localPort)} (${mark})`;
    }
  }
}

export function remoteEndpoint(socket: SocketRecord): string {
  if (socket.remoteAddress === null) return '*';
  return hostPort(socket.remoteAddress, socket.remotePort);
}

/** Every owner: "sshd pid=812 fd=3, sshd pid=900 fd=3"; "" when none is known. */
export function ownersText(socket: SocketRecord): string {
  return socket.owners.map((owner) => `${owner.comm ?? '?'} pid=${owner.pid} fd=${owner.fd}`).join(', ');
}
