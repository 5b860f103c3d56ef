import { isListening } from './listening.js';
import { KEY_SHAPES, type KeyShape } from '../model/record-fields.js';
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
 * Where a socket lives, for its key: its container (`container:` and the pod and container
 * names) when it has one, so that a container recreated under the same name (a new network
 * namespace, a new inode) keeps its sockets' keys and its listener is `restarted` rather
 * than closed and opened; otherwise its network namespace's inode. A snapshot stored
 * before sockaudit recorded containers has none: the first diff across the upgrade shows a
 * container's sockets closed and opened once.
 *
 * @example keyScope(socket of docker container redis-1) -> 'container:redis-1'
 * @example keyScope(socket of container nginx of pod default/web-7d9f) -> 'container:default/web-7d9f/nginx'
 * @example keyScope(socket on the host) -> 4026531840
 */
export function keyScope(socket: SocketRecord): number | string {
  const name = containerIdentityName(socket);
  return name === null ? socket.netns : `container:${name}`;
}

/**
 * The name that identifies a socket's container across recreations: its name, after its
 * pod's namespace and name when it has a pod; null for a socket in no container.
 *
 * @example containerIdentityName(socket of redis-1) -> 'redis-1'
 * @example containerIdentityName(socket of nginx in pod default/web-7d9f) -> 'default/web-7d9f/nginx'
 */
export function containerIdentityName(socket: SocketRecord): string | null {
  const container = socket.container;
  if (container === null || container === undefined) return null;
  return container.podName === null ? container.name : `${container.podNamespace ?? ''}/${container.podName}/${container.name}`;
}

/**
 * Which socket a record is, across snapshots (docs/design.md, "Identity across snapshots"):
 * the key says which socket, the inode which instance. The parts of each key shape are the
 * field table's (KEY_SHAPES in record-fields.ts); which shape a socket has is decided here. Returned as a JSON array so that it
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
 *   tcp LISTEN 0.0.0.0:6379 in docker container redis-1 (whatever its namespace's inode)
 *     -> '["inet","container:redis-1","tcp",4,"0.0.0.0",6379]'
 */
export function socketKey(socket: SocketRecord): string {
  if (INET_FAMILIES.has(socket.family)) return keyOf(isConnectedInet(socket) ? 'inet-connected' : 'inet', socket);
  if (socket.family === 'unix' && socket.path !== null) return keyOf('unix-path', socket);
  // unnamed unix, packet, netlink: nothing stable but the instance itself
  return keyOf('inode', socket);
}

/**
 * A key of one shape: its name (`inet` for both inet shapes), then its parts as the table
 * reads them (KEY_SHAPES). Compiled once per shape from the table into one array literal:
 * a diff builds the key of every socket that is not untouched (a loop over the parts per
 * socket measured 1.17x of the literal at 50,000 sockets: bench/record-fields-bench.mjs).
 *
 * @example KEY_OF['unix-path'].toString()
 *   -> 'function key(s) { return JSON.stringify(["unix-path", keyScope(s), s["type"], s["path"], isListening(s)]); }'
 */
const KEY_OF = Object.fromEntries(
  (Object.keys(KEY_SHAPES) as KeyShape[]).map((shape) => {
    const parts = KEY_SHAPES[shape].map((part) => {
      switch (part.read) {
        case 'value':
          return `s[${JSON.stringify(part.name)}]`;
        case 'scope':
          return 'keyScope(s)';
        case 'port':
          // raw sockets show the IP protocol in the port column; prefer the explicit field
          return 's.family === "raw" ? (s.protocol ?? s.localPort) : s.localPort';
        case 'listening':
          return 'isListening(s)';
      }
    });
    const name = JSON.stringify(shape === 'inet-connected' ? 'inet' : shape);
    // the source is built from the table alone, never from input
    const key = new Function('keyScope', 'isListening', `return function key(s) { return JSON.stringify([${[name, ...parts].join(', ')}]); };`)(keyScope, isListening);
    return [shape, key];
  }),
) as Record<KeyShape, (socket: SocketRecord) => string>;

function keyOf(shape: KeyShape, socket: SocketRecord): string {
  return KEY_OF[shape](socket);
}
