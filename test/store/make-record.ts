import { emptyRecord } from '../../src/model/record-shapes.js';
import type { Inventory, SocketOwner, SocketRecord } from '../../src/model/socket-record.js';

/**
 * A plausible socket record; override what the test is about. Built on the field table's
 * emptyRecord, so that a new field needs no edit here.
 */
export function makeRecord(overrides: Partial<SocketRecord> = {}): SocketRecord {
  return {
    ...emptyRecord('tcp'),
    netns: 4026531840,
    netnsName: 'host',
    ipVersion: 4,
    state: 'LISTEN',
    localAddress: '0.0.0.0',
    localPort: 22,
    remoteAddress: '0.0.0.0',
    remotePort: 0,
    inode: 1000,
    uid: 0,
    recvQueue: 0,
    sendQueue: 0,
    owners: [],
    exposure: 'wildcard',
    ...overrides,
  };
}

export function makeOwner(overrides: Partial<SocketOwner> = {}): SocketOwner {
  return {
    pid: 100,
    fd: 3,
    comm: 'sshd',
    exe: '/usr/sbin/sshd',
    cmdline: '/usr/sbin/sshd -D',
    uid: 0,
    user: 'root',
    ...overrides,
  };
}

export function makeInventory(sockets: SocketRecord[], overrides: Partial<Inventory['meta']> = {}): Inventory {
  return {
    meta: {
      host: 'testhost',
      takenAt: '2026-11-25T12:00:00.000Z',
      bootId: 'boot-1',
      kernel: '6.1.0',
      procRoot: '/proc',
      toolVersion: '0.1.0',
      durationMs: 12,
      namespaces: [{ inode: 4026531840, name: 'host', readerPid: 1, readable: true }],
      ephemeralPorts: [32768, 60999],
      ...overrides,
    },
    sockets,
    warnings: [],
  };
}
