import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../helpers/bytes.js';
import { INET_DIAG_MSG_SIZE, parseInetDiagRecords } from '../../src/proc/parse-inet-diag.js';
import { parseInetTable } from '../../src/proc/parse-inet-table.js';

interface DiagFields {
  family: 2 | 10;
  state: number;
  localPort: number;
  remotePort: number;
  local: number[];
  remote: number[];
  recvQueue?: number;
  sendQueue?: number;
  uid?: number;
  inode?: number;
  /** byte 2 as the addon writes it: 0 not reported, 1 IPV6_V6ONLY off, 2 on. */
  v6only?: 0 | 1 | 2;
}

/** One `struct inet_diag_msg` as the addon passes it on (see parse-inet-diag.ts). */
function diagMessage(fields: DiagFields): Uint8Array {
  const bytes = new Uint8Array(INET_DIAG_MSG_SIZE);
  const view = new DataView(bytes.buffer);
  const little = os.endianness() === 'LE';
  bytes[0] = fields.family;
  bytes[1] = fields.state;
  bytes[2] = fields.v6only ?? 0;
  view.setUint16(4, fields.localPort, false);
  view.setUint16(6, fields.remotePort, false);
  bytes.set(fields.local, 8);
  bytes.set(fields.remote, 24);
  view.setUint32(40, 0, little); // interface
  view.setUint32(56, fields.recvQueue ?? 0, little);
  view.setUint32(60, fields.sendQueue ?? 0, little);
  view.setUint32(64, fields.uid ?? 0, little);
  view.setUint32(68, fields.inode ?? 0, little);
  return bytes;
}

const LOOPBACK4 = [127, 0, 0, 1];
const ZERO16 = new Array<number>(16).fill(0);
const LOOPBACK6 = [...new Array<number>(15).fill(0), 1];
const MAPPED_LOOPBACK = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];

describe('parseInetDiagRecords', () => {
  it('decodes a TCP listener as /proc/net/tcp would show it (send queue 0), with the backlog beside it', () => {
    const records = diagMessage({ family: 2, state: 10, localPort: 8080, remotePort: 0, local: LOOPBACK4, remote: [0, 0, 0, 0], recvQueue: 1, sendQueue: 128, uid: 1000, inode: 20571 });
    expect(parseInetDiagRecords(records, { family: 'tcp', ipVersion: 4 })).toEqual([
      {
        netns: 0,
        netnsName: '',
        family: 'tcp',
        ipVersion: 4,
        type: null,
        protocol: null,
        state: 'LISTEN',
        localAddress: '127.0.0.1',
        localPort: 8080,
        remoteAddress: null,
        remotePort: null,
        path: null,
        interface: null,
        inode: 20571,
        uid: 1000,
        recvQueue: 1,
        sendQueue: 0,
        owners: [],
        exposure: null,
        v6only: null,
        v6onlySource: null,
        container: null,
        publishedTo: null,
        backlog: 128,
        peerInode: null,
      },
    ]);
  });

  it('gives the same record as the /proc text for the same sockets', () => {
    // the same three sockets in both forms: an established v6 connection, a v4-mapped
    // one, and a TIME_WAIT (inode 0)
    const diag = concatBytes(
      diagMessage({ family: 10, state: 1, localPort: 0x0016, remotePort: 0xc350, local: LOOPBACK6, remote: LOOPBACK6, recvQueue: 3, sendQueue: 5, uid: 0, inode: 4242 }),
      diagMessage({ family: 10, state: 1, localPort: 0x1f90, remotePort: 0x9c40, local: MAPPED_LOOPBACK, remote: MAPPED_LOOPBACK, uid: 33, inode: 4243 }),
      diagMessage({ family: 10, state: 6, localPort: 0x1f90, remotePort: 0x9c41, local: LOOPBACK6, remote: LOOPBACK6 }),
    );
    const text = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000001000000:0016 00000000000000000000000001000000:C350 01 00000005:00000003 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 0 10 -1',
      '   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 00:00000000 00000000    33        0 4243 1 0000000000000000 20 4 0 10 -1',
      '   2: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:9C41 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000',
      '',
    ].join('\n');
    const fromText = parseInetTable(text, { family: 'tcp', ipVersion: 6 });
    expect(fromText.problems).toEqual([]);
    expect(parseInetDiagRecords(diag, { family: 'tcp', ipVersion: 6 })).toEqual(fromText.rows);
  });

  it('reads v6only from byte 2: off is dual-stack, on is IPv6 only, absent stays unknown', () => {
    const records = concatBytes(
      diagMessage({ family: 10, state: 10, localPort: 9101, remotePort: 0, local: ZERO16, remote: ZERO16, inode: 1, v6only: 1 }),
      diagMessage({ family: 10, state: 10, localPort: 9102, remotePort: 0, local: ZERO16, remote: ZERO16, inode: 2, v6only: 2 }),
      diagMessage({ family: 10, state: 10, localPort: 9103, remotePort: 0, local: MAPPED_LOOPBACK, remote: ZERO16, inode: 3, v6only: 1 }),
      diagMessage({ family: 10, state: 1, localPort: 9101, remotePort: 40000, local: LOOPBACK6, remote: LOOPBACK6, inode: 4 }),
    );
    expect(parseInetDiagRecords(records, { family: 'tcp', ipVersion: 6 }).map((row) => [row.localAddress, row.localPort, row.v6only, row.v6onlySource])).toEqual([
      ['::', 9101, false, 'socket'],
      ['::', 9102, true, 'socket'],
      ['::ffff:127.0.0.1', 9103, false, 'socket'],
      ['::1', 9101, null, null],
    ]);
  });

  it('gives the /proc text records for listeners but for v6only, which the text does not have', () => {
    const diag = concatBytes(
      diagMessage({ family: 10, state: 10, localPort: 0x238d, remotePort: 0, local: ZERO16, remote: ZERO16, uid: 0, inode: 5000, v6only: 1 }),
      diagMessage({ family: 10, state: 10, localPort: 0x238e, remotePort: 0, local: ZERO16, remote: ZERO16, uid: 0, inode: 5001, v6only: 2 }),
    );
    const text = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000000000000:238D 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5000 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000000000000000000000000000:238E 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5001 1 0000000000000000 100 0 0 10 0',
      '',
    ].join('\n');
    const fromText = parseInetTable(text, { family: 'tcp', ipVersion: 6 });
    expect(fromText.problems).toEqual([]);
    expect(fromText.rows.map((row) => [row.v6only, row.v6onlySource])).toEqual([[null, null], [null, null]]);
    const fromDiag = parseInetDiagRecords(diag, { family: 'tcp', ipVersion: 6 });
    expect(fromDiag.map((row) => [row.v6only, row.v6onlySource])).toEqual([[false, 'socket'], [true, 'socket']]);
    expect(fromDiag.map((row) => ({ ...row, v6only: null, v6onlySource: null, backlog: null }))).toEqual(fromText.rows);
  });

  it('decodes UDP: unconnected is UNCONN with no peer, connected is ESTABLISHED', () => {
    const records = concatBytes(
      diagMessage({ family: 2, state: 7, localPort: 53, remotePort: 0, local: LOOPBACK4, remote: [0, 0, 0, 0], inode: 1 }),
      diagMessage({ family: 2, state: 1, localPort: 40000, remotePort: 53, local: LOOPBACK4, remote: LOOPBACK4, inode: 2 }),
    );
    const rows = parseInetDiagRecords(records, { family: 'udp', ipVersion: 4 });
    expect(rows.map((row) => [row.state, row.remoteAddress, row.remotePort])).toEqual([
      ['UNCONN', null, null],
      ['ESTABLISHED', '127.0.0.1', 53],
    ]);
  });

  it('treats a zero address with a non-zero port as a peer, as the text parser does', () => {
    const records = diagMessage({ family: 10, state: 1, localPort: 1, remotePort: 9, local: LOOPBACK6, remote: ZERO16, inode: 3 });
    expect(parseInetDiagRecords(records, { family: 'udp', ipVersion: 6 })[0]).toMatchObject({ remoteAddress: '::', remotePort: 9 });
  });

  it('skips a record of the other address family', () => {
    const records = diagMessage({ family: 2, state: 10, localPort: 22, remotePort: 0, local: LOOPBACK4, remote: [0, 0, 0, 0], inode: 9 });
    expect(parseInetDiagRecords(records, { family: 'tcp', ipVersion: 6 })).toEqual([]);
  });

  it('gives nothing for an empty dump', () => {
    expect(parseInetDiagRecords(new Uint8Array(0), { family: 'tcp', ipVersion: 4 })).toEqual([]);
  });

  it('rejects a dump that is not a whole number of records', () => {
    expect(() => parseInetDiagRecords(new Uint8Array(INET_DIAG_MSG_SIZE + 1), { family: 'tcp', ipVersion: 4 })).toThrow(/not a whole number of 72-byte records/);
  });
});
