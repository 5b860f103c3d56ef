import { exposureOf, reachedIpVersions } from '../inventory/exposure.js';
import { isListening } from '../inventory/listening.js';
import { emptyRecord } from '../model/record-shapes.js';
import type { Exposure, Inventory, PublishedPort, SocketRecord } from '../model/socket-record.js';

/**
 * Where a listener can be reached from: the four inet exposures, widest first, then packet
 * sockets (`interface`: they see frames on an interface, not an address) and unix listeners
 * (`local`: reachable from this host only, through the filesystem or an abstract name).
 */
export type ListeningGroup = Exposure | 'interface' | 'local';

export const LISTENING_GROUPS: readonly ListeningGroup[] = ['wildcard', 'specific', 'link-local', 'loopback', 'interface', 'local'];

/** One listening socket with its owners summed up, as `listening` shows it. */
export interface ListeningEntry extends SocketRecord {
  group: ListeningGroup;
  /** distinct owner executables, sorted. */
  exes: string[];
  /** distinct owner user names (uids where no name is known), sorted. */
  users: string[];
  /** owner pids, ascending. */
  pids: number[];
  /**
   * the IP versions it can be reached over: [4, 6] for a dual-stack socket (or one that may
   * be: v6only unknown), [4] for an IPv4-mapped address; [] for packet and unix sockets.
   */
  ipVersions: (4 | 6)[];
  /**
   * true for a container port published on the host with no host socket behind it (DNAT
   * alone: meta.publishedOnly): state `PUBLISHED`, no inode, no owners, `publishedTo` its target.
   */
  published: boolean;
}

export function listeningGroup(socket: SocketRecord): ListeningGroup {
  if (socket.family === 'packet') return 'interface';
  if (socket.family === 'unix') return 'local';
  // a bound inet socket always has an exposure; a missing one is treated as the widest
  return socket.exposure ?? 'wildcard';
}

const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** A listening socket's port for sorting and policy: raw sockets show their IP protocol. */
export function listeningPort(socket: SocketRecord): number | null {
  return socket.family === 'raw' ? (socket.protocol ?? socket.localPort) : socket.localPort;
}

export function toListeningEntry(socket: SocketRecord): ListeningEntry {
  return {
    ...socket,
    group: listeningGroup(socket),
    exes: distinct(socket.owners.flatMap((owner) => (owner.exe === null ? [] : [owner.exe]))).sort(),
    users: distinct(socket.owners.flatMap((owner) => (owner.user !== null ? [owner.user] : owner.uid !== null ? [String(owner.uid)] : []))).sort(),
    pids: distinct(socket.owners.map((owner) => owner.pid)).sort((a, b) => a - b),
    ipVersions: reachedIpVersions(socket),
    published: false,
  };
}

/**
 * A DNAT-only published port as a listening entry: where the host accepts it, and where to.
 *
 * @example { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 6379, target: redis-1:6379 }
 *   -> tcp PUBLISHED 127.0.0.1:6379 in the host namespace, group loopback, publishedTo redis-1:6379
 */
export function publishedEntry(port: PublishedPort, host: { inode: number; name: string }): ListeningEntry {
  const ipVersion = port.hostAddress.includes(':') ? 6 : 4;
  const record = emptyRecord(port.protocol);
  record.netns = host.inode;
  record.netnsName = host.name;
  record.ipVersion = ipVersion;
  record.state = 'PUBLISHED';
  record.localAddress = port.hostAddress;
  record.localPort = port.hostPort;
  record.owners = [];
  record.exposure = exposureOf(port.protocol, port.hostAddress);
  record.publishedTo = port.target;
  return { ...toListeningEntry(record), published: true };
}

/**
 * Every socket of the inventory that can receive from outside its process (isListening),
 * grouped by exposure (wildcard, specific, link-local, loopback, then packet and unix) and
 * sorted by port within a group.
 */
export function listeningEntries(inventory: Inventory): ListeningEntry[] {
  const entries = inventory.sockets.filter(isListening).map(toListeningEntry);
  const host = inventory.meta.namespaces.find((namespace) => namespace.name === 'host') ?? { inode: 0, name: 'host' };
  for (const port of inventory.meta.publishedOnly ?? []) entries.push(publishedEntry(port, host));
  return entries.sort(compareEntries);
}

function compareEntries(a: ListeningEntry, b: ListeningEntry): number {
  return (
    LISTENING_GROUPS.indexOf(a.group) - LISTENING_GROUPS.indexOf(b.group) ||
    (listeningPort(a) ?? 1e9) - (listeningPort(b) ?? 1e9) ||
    a.family.localeCompare(b.family) ||
    (a.ipVersion ?? 0) - (b.ipVersion ?? 0) ||
    (a.localAddress ?? '').localeCompare(b.localAddress ?? '') ||
    (a.path ?? '').localeCompare(b.path ?? '') ||
    (a.interface ?? '').localeCompare(b.interface ?? '') ||
    a.netnsName.localeCompare(b.netnsName) ||
    a.netns - b.netns ||
    a.inode - b.inode
  );
}
