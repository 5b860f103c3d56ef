import type { SocketOwner, SocketRecord } from './socket-record.js';

/**
 * Exemplar socket records and owners, created once before any parser makes a real one,
 * whose fields between them hold every kind of value a field ever holds: a netns inode
 * beyond the small-integer range, null and a number, null and a string.
 *
 * Why: V8 gives every object built with the same keys in the same order one hidden class,
 * which fixes each field's representation (small integer, double, pointer) from the values
 * seen so far. When a record later stores a wider kind of value (the netns inode
 * 4026531833 where the parser wrote 0; a number where a unix record has null), V8
 * deprecates that class and migrates every record made so far, one at a time, as each is
 * next touched: about 55 ms of a 0.45 s collection at 50,000 sockets. With these seen
 * first, every record is born with its final class.
 *
 * The key order must be the parsers' (RECORD_KEYS; a test holds every parser to it).
 */
export const RECORD_KEYS = [
  'netns', 'netnsName', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort',
  'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'recvQueue', 'sendQueue', 'owners', 'exposure',
  'v6only', 'v6onlySource', 'container', 'publishedTo', 'backlog', 'peerInode',
] as const;

const NULLS: SocketRecord = {
  netns: 4026531833,
  netnsName: '',
  family: 'unix',
  ipVersion: null,
  type: null,
  protocol: null,
  state: '',
  localAddress: null,
  localPort: null,
  remoteAddress: null,
  remotePort: null,
  path: null,
  interface: null,
  inode: 4026531833,
  uid: null,
  recvQueue: null,
  sendQueue: null,
  owners: [],
  exposure: null,
  v6only: null,
  v6onlySource: null,
  container: null,
  publishedTo: null,
  backlog: null,
  peerInode: null,
};

const VALUES: SocketRecord = {
  netns: 0,
  netnsName: '',
  family: 'tcp',
  ipVersion: 4,
  type: '',
  protocol: 0,
  state: '',
  localAddress: '',
  localPort: 0,
  remoteAddress: '',
  remotePort: 0,
  path: '',
  interface: '',
  inode: 0,
  uid: 0,
  recvQueue: 0,
  sendQueue: 0,
  owners: [],
  exposure: 'loopback',
  v6only: false,
  v6onlySource: 'socket',
  container: { runtime: 'docker', id: '', name: '', image: '', podName: '', podNamespace: '' },
  publishedTo: { container: '', address: '', port: 0 },
  backlog: 0,
  peerInode: 4026531833,
};

const OWNER_NULLS: SocketOwner = { pid: 0, fd: 0, comm: null, exe: null, cmdline: null, uid: null, user: null };
const OWNER_VALUES: SocketOwner = { pid: 0, fd: 0, comm: '', exe: '', cmdline: '', uid: 0, user: '' };

/** Kept (never read) so that the general classes outlive any garbage collection before the first real record. */
export const RECORD_SHAPE_EXEMPLARS: readonly object[] = Object.freeze([NULLS, VALUES, OWNER_NULLS, OWNER_VALUES]);
