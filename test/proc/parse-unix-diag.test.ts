import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../helpers/bytes.js';
import { parseUnixDiagRecords } from '../../src/proc/parse-unix-diag.js';
import { parseUnixTable } from '../../src/proc/parse-unix-table.js';

interface UnixFields {
  type: number;
  state: number;
  inode: number;
  peer?: number;
  name?: number[];
}

/** One unix socket in the packed form native/sock-diag.c writes (see parse-unix-diag.ts). */
function packed(fields: UnixFields): Uint8Array {
  const name = fields.name ?? [];
  const padded = name.length + ((4 - (name.length % 4)) % 4);
  const bytes = new Uint8Array(12 + padded);
  const view = new DataView(bytes.buffer);
  const little = os.endianness() === 'LE';
  bytes[0] = fields.type;
  bytes[1] = fields.state;
  view.setUint16(2, name.length, little);
  view.setUint32(4, fields.inode, little);
  view.setUint32(8, fields.peer ?? 0, little);
  bytes.set(name, 12);
  return bytes;
}

const bytesOf = (text: string) => [...Buffer.from(text, 'utf8')];
const LISTEN = 10;
const ESTABLISHED = 1;
const CLOSE = 7;

describe('parseUnixDiagRecords', () => {
  it('gives the same records as /proc/net/unix for the same sockets', () => {
    const dump = concatBytes(
      // a path with a space (its trailing NUL included, as the kernel keeps it)
      packed({ type: 1, state: LISTEN, inode: 20123, name: [...bytesOf('/run/my app/ctl.sock'), 0] }),
      // an abstract name padded with NULs to 20 bytes, as Node pads them
      packed({ type: 2, state: CLOSE, inode: 20124, name: [0, ...bytesOf('sockload-7-w1'), 0, 0, 0, 0, 0, 0] }),
      // an unnamed connected end of a socketpair
      packed({ type: 1, state: ESTABLISHED, inode: 20125 }),
      // seqpacket listener with an abstract name
      packed({ type: 5, state: LISTEN, inode: 20126, name: [0, ...bytesOf('seq')] }),
      // a connection not yet accepted: no file, so inode 0
      packed({ type: 1, state: ESTABLISHED, inode: 0, name: [...bytesOf('/run/my app/ctl.sock'), 0] }),
      // a socket without a file that is no longer established
      packed({ type: 1, state: CLOSE, inode: 0 }),
      // a NUL inside an abstract name is printed as '@' too
      packed({ type: 2, state: CLOSE, inode: 20127, name: [0, ...bytesOf('a'), 0, ...bytesOf('b')] }),
      // a path beyond ASCII, in UTF-8
      packed({ type: 1, state: LISTEN, inode: 20128, name: [...bytesOf('/run/café/ctl.sock'), 0] }),
      // an abstract name ending in '@' (no NUL): /proc cannot tell it from padding, so it is trimmed too
      packed({ type: 2, state: CLOSE, inode: 20129, name: [0, ...bytesOf('x@@')] }),
    );
    const text = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000000000000: 00000002 00000000 00010000 0001 01 20123 /run/my app/ctl.sock',
      '0000000000000000: 00000002 00000000 00000000 0002 01 20124 @sockload-7-w1@@@@@@',
      '0000000000000000: 00000003 00000000 00000000 0001 03 20125',
      '0000000000000000: 00000002 00000000 00010000 0005 01 20126 @seq',
      '0000000000000000: 00000002 00000000 00000000 0001 02     0 /run/my app/ctl.sock',
      '0000000000000000: 00000002 00000000 00000000 0001 04     0',
      '0000000000000000: 00000002 00000000 00000000 0002 01 20127 @a@b',
      '0000000000000000: 00000002 00000000 00010000 0001 01 20128 /run/café/ctl.sock',
      '0000000000000000: 00000002 00000000 00000000 0002 01 20129 @x@@',
      '',
    ].join('\n');
    const fromText = parseUnixTable(text);
    expect(fromText.problems).toEqual([]);
    expect(parseUnixDiagRecords(dump)).toEqual(fromText.rows);
  });

  it('names the states as /proc does, from sk_state and whether the socket has a file', () => {
    const states = parseUnixDiagRecords(
      concatBytes(
        packed({ type: 1, state: LISTEN, inode: 1 }),
        packed({ type: 1, state: ESTABLISHED, inode: 2 }),
        packed({ type: 2, state: CLOSE, inode: 3 }),
        packed({ type: 1, state: ESTABLISHED, inode: 0 }),
        packed({ type: 1, state: CLOSE, inode: 0 }),
      ),
    ).map((row) => row.state);
    expect(states).toEqual(['LISTEN', 'CONNECTED', 'UNCONN', 'CONNECTING', 'DISCONNECTING']);
  });

  it('reads the peer inode, which /proc/net/unix does not show (null there)', () => {
    const rows = parseUnixDiagRecords(concatBytes(packed({ type: 1, state: ESTABLISHED, inode: 20125, peer: 20130 }), packed({ type: 1, state: LISTEN, inode: 20126 })));
    expect(rows.map((row) => row.peerInode)).toEqual([20130, null]);
    const [fromText] = parseUnixTable(['Num       RefCount Protocol Flags    Type St Inode Path', '0000000000000000: 00000003 00000000 00000000 0001 03 20125', ''].join('\n')).rows;
    expect(fromText!.peerInode).toBeNull();
  });

  it('keeps a path containing a newline whole (the /proc text cannot)', () => {
    const [row] = parseUnixDiagRecords(packed({ type: 1, state: LISTEN, inode: 9, name: [...bytesOf('/tmp/a\nb'), 0] }));
    expect(row!.path).toBe('/tmp/a\nb');
  });

  it('names an unknown socket type by its number', () => {
    expect(parseUnixDiagRecords(packed({ type: 9, state: CLOSE, inode: 4 }))[0]!.type).toBe('type-9');
  });

  it('gives nothing for an empty dump and rejects a truncated one', () => {
    expect(parseUnixDiagRecords(new Uint8Array(0))).toEqual([]);
    expect(() => parseUnixDiagRecords(new Uint8Array(5))).toThrow(/truncated at byte 0/);
    const cut = packed({ type: 1, state: LISTEN, inode: 1, name: bytesOf('/run/x.sock') }).subarray(0, 14);
    expect(() => parseUnixDiagRecords(cut)).toThrow(/truncated in a name/);
  });
});
