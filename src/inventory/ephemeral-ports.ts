import type { Inventory, SocketRecord } from '../model/socket-record.js';

/** Linux's default net.ipv4.ip_local_port_range, for a snapshot that did not record one. */
export const DEFAULT_EPHEMERAL_PORTS: [number, number] = [32768, 60999];

/** The range client connections take their local ports from, as the snapshot recorded it. */
export function ephemeralPortsOf(inventory: Inventory): [number, number] {
  return inventory.meta.ephemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
}

/**
 * Whether a listener's port is recorded as `ephemeral`: a UDP/UDP-Lite port, or a loopback
 * TCP port, inside the ephemeral range. Those are picked by the kernel and change each time
 * the program starts; a wildcard TCP listener keeps its exact port however high it is.
 * Shared by the baseline (port `ephemeral`) and the diff (such listeners are counted in groups).
 */
export function isEphemeralListener(socket: SocketRecord, range: [number, number]): boolean {
  const port = socket.localPort;
  if (port === null || port < range[0] || port > range[1]) return false;
  if (socket.family === 'udp' || socket.family === 'udplite') return true;
  return socket.family === 'tcp' && socket.exposure === 'loopback';
}
