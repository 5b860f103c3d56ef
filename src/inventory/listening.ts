import type { SocketRecord } from '../model/socket-record.js';

/**
 * Whether a socket can receive from outside its own process: a TCP or SCTP listener, a
 * bound unconnected UDP/UDP-Lite/raw/ICMP socket, a unix listener or bound unix datagram
 * socket, or a packet socket (which sees frames whether or not it is "connected").
 * Shared by the `--listening` filter and the `listening` command.
 */
export function isListening(socket: SocketRecord): boolean {
  switch (socket.family) {
    case 'tcp':
    case 'sctp':
      return socket.state === 'LISTEN';
    case 'udp':
    case 'udplite':
    case 'raw':
    case 'icmp':
      return socket.state === 'UNCONN' && socket.localAddress !== null;
    case 'unix':
      return socket.state === 'LISTEN' || (socket.type === 'dgram' && socket.path !== null && socket.state === 'UNCONN');
    case 'packet':
      return true;
    case 'netlink':
      return false;
  }
}
