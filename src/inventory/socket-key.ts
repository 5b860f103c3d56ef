import { isListening } from './listening.js';
import type { SocketRecord } from '../model/socket-record.js';

/** Inet families: identified by addresses and ports rather than by inode. */
const INET_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'raw', 'icmp', 'sctp']);

function isWildcardAddress(address: string | null): boolean {
  return address === null || address === '0.0.0.0' || address === '::';
}

/** An inet socket is connected once it has a peer: a remote address or a remote port. */
export function isConnectedInet(socket: SocketRecord): boolean {
  return !isWildcardAddress(socket.remoteAddress) || (socket.remotePort ?? 0) !== 0;
}

/**
 * Which socket a record is, across snapshots (docs/design.md, "Identity across snapshots"):
 * the key says which socket, the inode which instance. Returned as a JSON array so that it
 * is unambiguous (unix paths may contain any character) and cheap to compare; it is not
 * meant for display.
 *
 * Several live sockets may share one key (SO_REUSEPORT listeners, two accepted
 * connections whose peers reuse a port after TIME_WAIT): a key names a slot, and callers
 * that need one record per key must expect a list.
 *
 * @example
 *   tcp LISTEN 0.0.0.0:22 in netns 4026531840
 *     -> '["inet",4026531840,"tcp",4,"0.0.0.0",22]'
 *   tcp ESTABLISHED 10.0.0.5:22 <- 10.0.0.9:51000
 *     -> '["inet",4026531840,"tcp",4,"10.0.0.5",22,"10.0.0.9",51000]'
 *   raw UNCONN 0.0.0.0 protocol 1 (ICMP)
 *     -> '["inet",4026531840,"raw",4,"0.0.0.0",1]'
 *   unix stream LISTEN /run/docker.sock
 *     -> '["unix-path",4026531840,"stream","/run/docker.sock",true]'
 *   unix stream CONNECTED, unnamed, inode 4242
 *     -> '["inode",4026531840,"unix","stream",null,4242]'
 */
export function socketKey(socket: SocketRecord): string {
  if (INET_FAMILIES.has(socket.family)) {
    // raw sockets show the IP protocol in the port column; prefer the explicit field
    const localPort = socket.family === 'raw' ? (socket.protocol ?? socket.localPort) : socket.localPort;
    const base = [socket.netns, socket.family, socket.ipVersion, socket.localAddress, localPort];
    if (isConnectedInet(socket)) {
      return JSON.stringify(['inet', ...base, socket.remoteAddress, socket.remotePort]);
    }
    return JSON.stringify(['inet', ...base]);
  }
  if (socket.family === 'unix' && socket.path !== null) {
    return JSON.stringify(['unix-path', socket.netns, socket.type, socket.path, isListening(socket)]);
  }
  // unnamed unix, packet, netlink: nothing stable but the instance itself
  return JSON.stringify(['inode', socket.netns, socket.family, socket.type, socket.protocol, socket.inode]);
}
