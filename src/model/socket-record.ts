/**
 * The socket record: the public JSON contract of `collect --json` and `show --json`
 * (see docs/design.md, "The socket record"). Field names are a contract: add, never rename.
 * Each field of SocketRecord has its entry in the field table (record-fields.ts), which says
 * what it is for (key, storage, diff) and from which every list of the fields is derived.
 */

export type SocketFamily =
  | 'tcp'
  | 'udp'
  | 'udplite'
  | 'raw'
  | 'icmp'
  | 'unix'
  | 'packet'
  | 'netlink'
  | 'sctp';

export const SOCKET_FAMILIES: readonly SocketFamily[] = [
  'tcp',
  'udp',
  'udplite',
  'raw',
  'icmp',
  'unix',
  'packet',
  'netlink',
  'sctp',
];

export type Exposure = 'loopback' | 'link-local' | 'specific' | 'wildcard';

/**
 * Where a record's `v6only` comes from: `socket`, the socket's own IPV6_V6ONLY as the kernel
 * reports it (sock_diag's INET_DIAG_SKV6ONLY); `inferred`, the namespace's default
 * (net.ipv6.bindv6only) where only /proc text was read, which a program may have
 * overridden with setsockopt (and must have cleared for an IPv4-mapped address).
 */
export type V6onlySource = 'socket' | 'inferred';

import type { PublishedPort, PublishedTarget, SocketContainer } from './container.js';

export type { ContainerRuntime, PublishedPort, PublishedTarget, SocketContainer } from './container.js';

/** One process holding one file descriptor of a socket. */
export interface SocketOwner {
  pid: number;
  fd: number;
  comm: string | null;
  /** readlink of /proc/PID/exe; a deleted binary keeps the kernel's " (deleted)" suffix. */
  exe: string | null;
  /** argv joined with single spaces (NUL separators in /proc/PID/cmdline). */
  cmdline: string | null;
  /** effective uid of the process. */
  uid: number | null;
  user: string | null;
}

/**
 * An owner's keys in the order every owner is built with (the collector, the store's
 * decoding, watch): the order JSON.stringify writes them in, which the JSON tokens of
 * collect --json follow (src/render/json-tokens.ts).
 */
export const OWNER_KEYS = ['pid', 'fd', 'comm', 'exe', 'cmdline', 'uid', 'user'] as const satisfies readonly (keyof SocketOwner)[];

/** A member of SocketOwner missing from OWNER_KEYS does not compile. */
export const EVERY_OWNER_MEMBER_IS_A_KEY: [Exclude<keyof SocketOwner, (typeof OWNER_KEYS)[number]>] extends [never] ? true : never = true;

export interface SocketRecord {
  netns: number;
  netnsName: string;
  family: SocketFamily;
  ipVersion: 4 | 6 | null;
  /** unix and packet: stream | dgram | seqpacket | raw; null elsewhere. */
  type: string | null;
  /** raw: IP protocol; packet: ethertype; netlink: netlink protocol; null elsewhere. */
  protocol: number | null;
  state: string;
  localAddress: string | null;
  /** netlink: the socket's port id (often, but not always, a pid: never treated as an owner). */
  localPort: number | null;
  remoteAddress: string | null;
  remotePort: number | null;
  /** unix: the path, `@name` for an abstract name, null for an unnamed socket. */
  path: string | null;
  /** packet: interface name (or `ifindex:N` when the name is unknown), null when bound to all. */
  interface: string | null;
  inode: number;
  uid: number | null;
  recvQueue: number | null;
  sendQueue: number | null;
  owners: SocketOwner[];
  exposure: Exposure | null;
  /**
   * IPv6 TCP/UDP/UDP-Lite sockets in LISTEN or UNCONN state: IPV6_V6ONLY. false on a socket
   * bound to `::` means dual-stack: it accepts IPv4 too. null where it does not apply (IPv4,
   * connected, non-inet sockets) or is not known (a snapshot stored before sockaudit
   * recorded it, a namespace whose default could not be read).
   */
  v6only: boolean | null;
  /** how v6only was learnt; null when v6only is null. */
  v6onlySource: V6onlySource | null;
  /**
   * The container the socket belongs to: its owners' (from /proc/PID/cgroup and the
   * runtime's metadata) when they all run in one; for a socket no process holds, the
   * container whose network namespace it is in, when that namespace is one container's.
   * null on the host, or when the owners run in different containers.
   */
  container: SocketContainer | null;
  /**
   * A host listener that forwards into a container (docker-proxy): where to. null elsewhere.
   */
  publishedTo: PublishedTarget | null;
  /**
   * TCP listeners: the listen backlog (the kernel's sk_max_ack_backlog, what ss shows as a
   * listener's Send-Q), from sock_diag's idiag_wqueue; recvQueue is then the accept queue
   * (connections waiting for accept(), ss's Recv-Q). null elsewhere, and where only /proc
   * text was read: /proc/net/tcp does not print the backlog (its tx_queue of a listener is
   * write_seq - snd_una, 0). Stored: it is configuration, and a change of it is a change.
   */
  backlog: number | null;
  /**
   * Connected unix sockets: the inode of the other end (sock_diag's UNIX_DIAG_PEER, what ss
   * shows in its Peer column). null elsewhere, where only /proc/net/unix was read (it has no
   * peer column), and in stored snapshots: every connection is a new pair of sockets, so the
   * peer says nothing about identity or change and is not stored.
   */
  peerInode: number | null;
}

/**
 * The owners of a record as parsed, before any are attached: one frozen empty array
 * shared by every record, which attaching replaces and never adds to. At 50,000 sockets,
 * 50,000 empty arrays were 1.6 MB for the garbage collector to copy while parsing.
 */
export const NO_OWNERS: SocketOwner[] = Object.freeze([]) as unknown as SocketOwner[];

export interface InventoryWarning {
  /** machine-readable kind, e.g. `pid-vanished`, `permission-denied`, `malformed-line`. */
  code: string;
  message: string;
  count: number;
}

export interface NamespaceInfo {
  inode: number;
  name: string;
  /** the pid whose /proc/PID/net/* was read for this namespace; null if none could be read. */
  readerPid: number | null;
  /** false when no pid of the namespace let us read its net/* files. */
  readable: boolean;
}

export interface InventoryMeta {
  host: string;
  takenAt: string;
  bootId: string | null;
  kernel: string | null;
  procRoot: string;
  toolVersion: string;
  durationMs: number;
  namespaces: NamespaceInfo[];
  /** ephemeral local port range, for grouping client connections into flows. */
  ephemeralPorts: [number, number] | null;
  /**
   * container ports published on the host with no host socket listening for them (DNAT
   * only); a fresh collection's alone: not stored with a snapshot, so absent from `show`.
   */
  publishedOnly?: PublishedPort[];
}

export interface Inventory {
  meta: InventoryMeta;
  sockets: SocketRecord[];
  warnings: InventoryWarning[];
}
