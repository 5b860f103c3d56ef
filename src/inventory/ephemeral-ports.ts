import type { Inventory } from '../model/socket-record.js';

/** Linux's default net.ipv4.ip_local_port_range, for a snapshot that did not record one. */
export const DEFAULT_EPHEMERAL_PORTS: [number, number] = [32768, 60999];

/** The range client connections take their local ports from, as the snapshot recorded it. */
export function ephemeralPortsOf(inventory: Inventory): [number, number] {
  return inventory.meta.ephemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
}
