import { dualStackMark, versionedFamily } from '../inventory/exposure.js';
import type { SocketRecord } from '../model/socket-record.js';

/**
 * A socket in a few words, for findings and violations: `tcp 0.0.0.0:22`, `udp6 [::]:5353`,
 * `tcp [::]:9101 (v4+v6)` (dual-stack), `tcp [::ffff:127.0.0.1]:80` (IPv4-mapped: IPv4 only),
 * `raw 0.0.0.0 proto 1`, `packet eth0 proto 0x0003`, `unix stream /run/docker.sock`.
 */
export function socketLabel(socket: SocketRecord): string {
  const family = versionedFamily(socket);
  const address = socket.localAddress ?? '*';
  const host = address.includes(':') ? `[${address}]` : address;
  switch (socket.family) {
    case 'raw':
      return `${family} ${host} proto ${socket.protocol ?? socket.localPort ?? '?'}`;
    case 'packet':
      return `packet ${socket.type ?? '?'} ${socket.interface ?? 'all-interfaces'} proto ${ethertypeName(socket.protocol)}`;
    case 'unix':
      return `unix ${socket.type ?? '?'} ${socket.path ?? '(unnamed)'}`;
    case 'netlink':
      return `netlink proto ${socket.protocol ?? '?'} port ${socket.localPort ?? '?'}`;
    default: {
      const mark = dualStackMark(socket);
      return `${family} ${host}:${socket.localPort ?? '*'}${mark === null ? '' : ` (${mark})`}`;
    }
  }
}

const ETHERTYPES: Record<number, string> = {
  0x0003: 'all (ETH_P_ALL)',
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x86dd: 'IPv6',
  0x88cc: 'LLDP',
  0x888e: 'EAPOL',
  0x8100: '802.1Q',
};

/** @example ethertypeName(3) -> 'all (ETH_P_ALL)'; ethertypeName(0x88b5) -> '0x88b5' */
export function ethertypeName(protocol: number | null): string {
  if (protocol === null) return '?';
  return ETHERTYPES[protocol] ?? `0x${protocol.toString(16).padStart(4, '0')}`;
}
