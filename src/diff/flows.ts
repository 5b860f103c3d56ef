import { ephemeralPortsOf, isEphemeralListener } from '../inventory/ephemeral-ports.js';
import { isListening } from '../inventory/listening.js';
import { isConnectedInet } from '../inventory/socket-key.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import type { FlowChange } from './diff-result.js';
import { ownerExeSignature } from './owner-exe.js';

/** A flow without its counts: what a churning connection is grouped by. */
export type FlowIdentity = Omit<FlowChange, 'countBefore' | 'countAfter'>;

/** What deciding flow membership needs to know about both snapshots. */
export interface FlowContext {
  /** the ephemeral ranges of both snapshots: a port in either is ephemeral */
  ephemeralRanges: [number, number][];
  /** `netns family port` of every TCP/SCTP listener in either snapshot */
  servicePorts: Set<string>;
  /**
   * `netns family port` of every listener in either snapshot that is not counted as an
   * ephemeral listener (a wildcard TCP listener on a high port, say): an ephemeral
   * listener on such a port is reported on its own, so that 127.0.0.1:40000 moving to
   * 0.0.0.0:40000 is still one rebound that widens exposure, not a count and an opening
   */
  fixedListenerPorts: Set<string>;
}

const FLOW_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'sctp']);
const UNIX_CONNECTION_STATES = new Set(['CONNECTED', 'CONNECTING', 'DISCONNECTING']);

function servicePortKey(netns: number, family: string, port: number | null): string {
  return `${netns} ${family} ${port}`;
}

/**
 * Built from both snapshots so that a socket is grouped the same way on either side
 * (otherwise a listener closing would turn its accepted connections from a flow into
 * individually "opened" sockets).
 */
export function flowContext(before: Inventory, after: Inventory): FlowContext {
  const ephemeralRanges = [before, after].map(ephemeralPortsOf);
  const servicePorts = new Set<string>();
  const fixedListenerPorts = new Set<string>();
  for (const inventory of [before, after]) {
    for (const socket of inventory.sockets) {
      if ((socket.family === 'tcp' || socket.family === 'sctp') && socket.state === 'LISTEN') {
        servicePorts.add(servicePortKey(socket.netns, socket.family, socket.localPort));
      }
      if (FLOW_FAMILIES.has(socket.family) && isListening(socket) && !ephemeralRanges.some((range) => isEphemeralListener(socket, range))) {
        fixedListenerPorts.add(servicePortKey(socket.netns, socket.family, socket.localPort));
      }
    }
  }
  return { ephemeralRanges, servicePorts, fixedListenerPorts };
}

function isEphemeral(port: number | null, context: FlowContext): boolean {
  return port !== null && context.ephemeralRanges.some(([low, high]) => port >= low && port <= high);
}

type FlowDirection = FlowIdentity['direction'];

/**
 * Which kind of flow a socket is counted in, or null when it is reported on its own:
 * - a connection accepted by a listener of either snapshot (its local port is a service
 *   port) is inbound, keyed by (netns, family, owner exe, local port, peer address);
 * - another connection from an ephemeral local port is outbound, keyed by
 *   (netns, family, owner exe, remote address, remote port);
 * - an unnamed unix socket, or a connection accepted on a unix path, is local, keyed by
 *   (netns, type, path, owner exe);
 * - a listener on a port of either snapshot's ephemeral range (isEphemeralListener: UDP,
 *   or TCP on loopback) is listening, keyed by (netns, family, owner exe, exposure): the
 *   port itself is the kernel's pick and changes at every start; unless a listener of
 *   either snapshot that is not counted so holds the port (see fixedListenerPorts).
 */
function flowDirection(socket: SocketRecord, context: FlowContext): FlowDirection | null {
  if (FLOW_FAMILIES.has(socket.family) && isListening(socket)) {
    if (context.fixedListenerPorts.has(servicePortKey(socket.netns, socket.family, socket.localPort))) return null;
    return context.ephemeralRanges.some((range) => isEphemeralListener(socket, range)) ? 'listening' : null;
  }
  if (FLOW_FAMILIES.has(socket.family) && isConnectedInet(socket)) {
    if (context.servicePorts.has(servicePortKey(socket.netns, socket.family, socket.localPort))) return 'inbound';
    return isEphemeral(socket.localPort, context) ? 'outbound' : null;
  }
  if (socket.family === 'unix' && !isListening(socket) && (socket.path === null || UNIX_CONNECTION_STATES.has(socket.state))) {
    return 'local';
  }
  return null;
}

/**
 * The key of the flow a socket is counted in (unambiguous, not for display), or null when
 * it is reported on its own. Called for every socket of both snapshots, so it builds one
 * string and nothing else; flowIdentity builds the full description once per flow.
 *
 * @example
 *   tcp 127.0.0.1:41234 -> 127.0.0.1:5432 owned by /usr/bin/psql, ephemeral 32768-60999
 *     -> a key shared by every psql connection to 127.0.0.1:5432 in that namespace
 *   tcp 0.0.0.0:22 LISTEN -> null (listeners outside the ephemeral range are reported on their own)
 */
export function flowKeyOf(socket: SocketRecord, context: FlowContext): string | null {
  const direction = flowDirection(socket, context);
  if (direction === null) return null;
  const exe = ownerExeSignature(socket.owners);
  const head = `${direction}\u0000${socket.netns}\u0000${socket.family}\u0000${exe === null ? '\u0001' : exe}`;
  switch (direction) {
    case 'inbound':
      return `${head}\u0000${socket.localPort}\u0000${socket.remoteAddress}`;
    case 'outbound':
      return `${head}\u0000${socket.remoteAddress}\u0000${socket.remotePort}`;
    case 'local':
      return `${head}\u0000${socket.type}\u0000${socket.path === null ? '\u0001' : socket.path}`;
    case 'listening':
      return `${head}\u0000${socket.exposure}`;
  }
}

/** What a flow is, described from one of its sockets (which flowKeyOf put in a flow). */
export function flowIdentity(socket: SocketRecord, context: FlowContext): FlowIdentity {
  const direction = flowDirection(socket, context) ?? 'local';
  const identity: FlowIdentity = {
    netns: socket.netns,
    netnsName: socket.netnsName,
    family: socket.family,
    direction,
    exe: ownerExeSignature(socket.owners),
    localPort: null,
    remoteAddress: null,
    remotePort: null,
    type: null,
    path: null,
    exposure: null,
  };
  if (direction === 'listening') return { ...identity, family: socket.family, exposure: socket.exposure };
  if (direction === 'inbound') return { ...identity, localPort: socket.localPort, remoteAddress: socket.remoteAddress };
  if (direction === 'outbound') return { ...identity, remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
  return { ...identity, type: socket.type, path: socket.path };
}

/**
 * TIME_WAIT connections of a flow are not counted: no process holds them any more, they
 * are what a closed connection leaves behind for a minute, and counting them would turn
 * every closed client connection into a flow change. `--sockets` still lists them.
 */
export function isLingering(socket: SocketRecord): boolean {
  return socket.state === 'TIME_WAIT';
}
