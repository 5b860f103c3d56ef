import { emptyRecord } from '../../src/model/record-shapes.js';
import type { Inventory, SocketOwner, SocketRecord } from '../../src/model/socket-record.js';

/** Small builders for diff tests: a record with sensible defaults and the fields that matter. */
export const HOST_NS = 4026531840;

export function owner(pid: number, exe: string, comm = exe.split('/').pop() ?? exe): SocketOwner {
  return { pid, fd: 3, comm, exe, cmdline: exe, uid: 1000, user: 'app' };
}

export function socket(fields: Partial<SocketRecord>): SocketRecord {
  // on the field table's emptyRecord: a new field needs no edit here
  return {
    ...emptyRecord('tcp'),
    netns: HOST_NS,
    netnsName: 'host',
    ipVersion: 4,
    state: 'LISTEN',
    localAddress: '127.0.0.1',
    localPort: 8080,
    inode: 100,
    uid: 1000,
    recvQueue: 0,
    sendQueue: 0,
    owners: [],
    ...fields,
  };
}

export function connection(local: [string, number], remote: [string, number], fields: Partial<SocketRecord> = {}): SocketRecord {
  return socket({ state: 'ESTABLISHED', localAddress: local[0], localPort: local[1], remoteAddress: remote[0], remotePort: remote[1], ...fields });
}

export function inventory(sockets: SocketRecord[], meta: Partial<Inventory['meta']> = {}, warnings: Inventory['warnings'] = []): Inventory {
  return {
    meta: {
      host: 'test',
      takenAt: '2026-11-25T12:00:00.000Z',
      bootId: null,
      kernel: null,
      procRoot: '/proc',
      toolVersion: '0.0.0',
      durationMs: 1,
      namespaces: [],
      ephemeralPorts: null,
      ...meta,
    },
    sockets,
    warnings,
  };
}
