import os from 'node:os';
import type { SocketRecord } from '../model/socket-record.js';
import { trimAbstractPadding, unixRecord } from './parse-unix-table.js';

/**
 * Decoder for sock_diag dumps of unix sockets (native/sock-diag.c), giving exactly the
 * records parseUnixTable gives for the same sockets read from /proc/PID/net/unix. Per
 * socket, in host byte order:
 *
 *   offset  size  field
 *        0     1  type (1 stream, 2 dgram, 5 seqpacket)
 *        1     1  the kernel's sk_state (10 LISTEN, 1 ESTABLISHED, 7 CLOSE)
 *        2     2  name length N
 *        4     4  inode (0: no file yet, a connection not yet accepted)
 *        8     4  peer inode (UNIX_DIAG_PEER; 0: no peer, the record's peerInode is null)
 *       12     N  name: sun_path as bound (a path with its trailing NUL, an abstract name
 *                 with its leading NUL), then padding to a multiple of 4
 *
 *   01 0a 0e 00 | 9b 4e 00 00 | 00 00 00 00 | "/run/app.sock\0" 00 00
 *   -> unix stream, LISTEN, inode 20123, no peer, path "/run/app.sock"
 *
 * /proc/net/unix has no state column as such: it prints LISTEN as the __SO_ACCEPTCON flag,
 * and for the rest the socket's own state, derived from sk_state and whether the socket
 * has a file yet. So: LISTEN; with a file, ESTABLISHED is CONNECTED and anything else
 * UNCONN; without one (inode 0), ESTABLISHED is CONNECTING and anything else
 * DISCONNECTING. Names are rendered as /proc renders them: each NUL byte as '@', an
 * abstract name with a leading '@' and its NUL padding dropped, a path without its
 * trailing NUL. Unlike /proc, a path containing a newline comes through whole.
 *
 * One difference the decoder cannot smooth over: a connection still in a listener's queue
 * (not yet accepted: no file, inode 0, CONNECTING in /proc) is not in the dump at all, as
 * the kernel's unix_diag skips sockets without an inode (net/unix/diag.c, sk_diag_dump).
 * It has no owner either way. test/native/sock-diag-fixtures.test.ts pins this.
 */
const TCP_ESTABLISHED = 1;
const TCP_LISTEN = 10;
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';
const AT_SIGN = 0x40;
/** Bytes before a record's name. */
const HEAD_SIZE = 12;

/** The state /proc/net/unix shows, from sk_state and whether the socket has a file (inode). */
function stateName(state: number, inode: number): string {
  if (state === TCP_LISTEN) return 'LISTEN';
  if (inode !== 0) return state === TCP_ESTABLISHED ? 'CONNECTED' : 'UNCONN';
  return state === TCP_ESTABLISHED ? 'CONNECTING' : 'DISCONNECTING';
}

/**
 * The name at bytes [start, end) as /proc/net/unix prints it. Most names are ASCII with
 * no NUL past an abstract name's first byte: those are read straight out of the dump.
 */
function renderName(bytes: Buffer, start: number, end: number): string {
  const abstract = bytes[start] === 0;
  // a path's last byte is its terminating NUL, which /proc leaves out
  let last = abstract ? end : end - 1;
  // An abstract name's trailing NULs (libuv, and so node, binds the whole 108-byte sun_path)
  // and '@'s are trimmed here, on the bytes, as trimAbstractPadding trims the '@'s they print
  // as: otherwise each padded name took the slow path below, 20 ms at 4,400 names.
  if (abstract) while (last - start > 2 && (bytes[last - 1] === 0 || bytes[last - 1] === AT_SIGN)) last--;
  for (let i = abstract ? start + 1 : start; i < last; i++) {
    const byte = bytes[i]!;
    if (byte === 0 || byte >= 0x80) return renderUncommonName(bytes.subarray(start, last), abstract);
  }
  return abstract ? trimAbstractPadding('@' + bytes.toString('latin1', start + 1, last)) : bytes.toString('latin1', start, last);
}

/** A name with NULs inside (each printed as '@') or bytes beyond ASCII (UTF-8). */
function renderUncommonName(name: Uint8Array, abstract: boolean): string {
  const printed = Buffer.from(name); // a copy: the dump itself stays as it came
  for (let i = 0; i < printed.length; i++) if (printed[i] === 0) printed[i] = AT_SIGN;
  const text = printed.toString('utf8');
  return abstract ? trimAbstractPadding(text) : text;
}

export function parseUnixDiagRecords(dump: Uint8Array): SocketRecord[] {
  const bytes = Buffer.from(dump.buffer, dump.byteOffset, dump.byteLength); // a view, for its string decoding
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows: SocketRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + HEAD_SIZE > bytes.length) throw new Error(`unix diag dump truncated at byte ${at} of ${bytes.length}`);
    const type = bytes[at]!;
    const state = bytes[at + 1]!;
    const nameLength = view.getUint16(at + 2, HOST_LITTLE_ENDIAN);
    const inode = view.getUint32(at + 4, HOST_LITTLE_ENDIAN);
    const peer = view.getUint32(at + 8, HOST_LITTLE_ENDIAN);
    if (at + HEAD_SIZE + nameLength > bytes.length) throw new Error(`unix diag dump truncated in a name at byte ${at} of ${bytes.length}`);
    const path = nameLength === 0 ? null : renderName(bytes, at + HEAD_SIZE, at + HEAD_SIZE + nameLength);
    at += HEAD_SIZE + nameLength + ((4 - (nameLength % 4)) % 4);
    const record = unixRecord(type, stateName(state, inode), path, inode);
    if (peer !== 0) record.peerInode = peer;
    rows.push(record);
  }
  return rows;
}
