import { isListening } from '../inventory/listening.js';
import { isConnectedInet } from '../inventory/socket-key.js';
import type { SocketRecord } from '../model/socket-record.js';
import type { FlowChange } from './diff-result.js';

const INET_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'raw', 'icmp', 'sctp']);

/** `tcp` for IPv4, `tcp6` for IPv6, as ss and netstat name them. */
export function familyLabel(family: string, ipVersion: 4 | 6 | null): string {
  return ipVersion === 6 && family !== 'unix' ? `${family}6` : family;
}

/** `1.2.3.4:80`, `[::1]:80`, `*` when unknown. */
export function endpoint(address: string | null, port: number | null): string {
  const host = address === null ? '*' : address.includes(':') ? `[${address}]` : address;
  return port === null ? host : `${host}:${port}`;
}

/** `0x0003`, the way ethertypes are written. */
function hex4(value: number | null): string {
  return value === null ? '?' : `0x${value.toString(16).padStart(4, '0')}`;
}

/**
 * The readable form of a socket's key (the key itself, from socketKey, is for machines).
 * It names exactly what the key holds, and ends with the namespace name.
 *
 * @example
 *   tcp LISTEN 0.0.0.0:22 in host       -> 'tcp 0.0.0.0:22 host'
 *   tcp6 connected ::1:5432 <- ::1:41000 -> 'tcp6 [::1]:5432 -> [::1]:41000 host'
 *   raw protocol 1 on 0.0.0.0          -> 'raw 0.0.0.0 proto 1 host'
 *   unix stream LISTEN /run/x.sock      -> 'unix stream /run/x.sock (listener) host'
 *   unnamed unix dgram, inode 77        -> 'unix dgram inode 77 host'
 */
export function readableSocketKey(socket: SocketRecord): string {
  const ns = socket.netnsName;
  const family = familyLabel(socket.family, socket.ipVersion);
  if (INET_FAMILIES.has(socket.family)) {
    if (socket.family === 'raw') {
      return `${family} ${endpoint(socket.localAddress, null)} proto ${socket.protocol ?? socket.localPort ?? '?'} ${ns}`;
    }
    const local = endpoint(socket.localAddress, socket.localPort);
    if (isConnectedInet(socket)) return `${family} ${local} -> ${endpoint(socket.remoteAddress, socket.remotePort)} ${ns}`;
    return `${family} ${local} ${ns}`;
  }
  if (socket.family === 'unix') {
    const type = socket.type ?? '?';
    if (socket.path !== null) return `unix ${type} ${socket.path}${isListening(socket) ? ' (listener)' : ''} ${ns}`;
    return `unix ${type} inode ${socket.inode} ${ns}`;
  }
  if (socket.family === 'packet') return `packet ${socket.type ?? '?'} proto ${hex4(socket.protocol)} inode ${socket.inode} ${ns}`;
  return `${socket.family} proto ${socket.protocol ?? '?'} inode ${socket.inode} ${ns}`;
}

/**
 * The readable form of a flow's key.
 *
 * @example
 *   outbound: 'tcp /usr/bin/curl -> 93.184.216.34:443 host'
 *   inbound:  'tcp /usr/sbin/nginx :443 <- 10.0.0.9 host'
 *   local:    'unix stream /usr/bin/dbus-daemon unnamed host'
 *   listening: 'tcp /usr/bin/python3 ephemeral ports, loopback host'
 */
export function readableFlowKey(flow: Omit<FlowChange, 'countBefore' | 'countAfter'>): string {
  const exe = flow.exe ?? '(no owner)';
  if (flow.direction === 'local') {
    return `unix ${flow.type ?? '?'} ${exe} ${flow.path === null ? 'unnamed' : `${flow.path} (connections)`} ${flow.netnsName}`;
  }
  const family = flow.family;
  if (flow.direction === 'listening') return `${family} ${exe} ephemeral ports, ${flow.exposure ?? 'unknown exposure'} ${flow.netnsName}`;
  if (flow.direction === 'inbound') {
    return `${family} ${exe} :${flow.localPort ?? '?'} <- ${endpoint(flow.remoteAddress, null)} ${flow.netnsName}`;
  }
  return `${family} ${exe} -> ${endpoint(flow.remoteAddress, flow.remotePort)} ${flow.netnsName}`;
}
