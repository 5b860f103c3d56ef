import { isConnectedInet } from '../inventory/socket-key.js';
import type { SocketRecord } from '../model/socket-record.js';
import type { ChangeSection } from './diff-result.js';

/**
 * Which part of a report a socket belongs to: unix sockets; packet, raw, ICMP and netlink
 * sockets; connected inet sockets; everything else (listeners and bound inet sockets).
 */
export function sectionOf(socket: SocketRecord): ChangeSection {
  switch (socket.family) {
    case 'unix':
      return 'unix';
    case 'packet':
    case 'raw':
    case 'icmp':
    case 'netlink':
      return 'other';
    default:
      return isConnectedInet(socket) ? 'connections' : 'bound';
  }
}
