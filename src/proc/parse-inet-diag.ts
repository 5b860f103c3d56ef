import os from 'node:os';
import type { SocketFamily, SocketRecord } from '../model/socket-record.js';
import { formatIpv6Bytes } from './inet-address.js';
import { datagramStateName, inetRecord, tcpStateName } from './parse-inet-table.js';

/**
 * Decoder for sock_diag dumps of TCP, UDP and UDP-Lite sockets (native/inet-diag.c): the
 * kernel's `struct inet_diag_msg` records back to back, 72 bytes each
 * (include/uapi/linux/inet_diag.h). Gives exactly the records parseInetTable gives for
 * the same sockets read from /proc/PID/net/{tcp,udp,...}[6].
 *
 *   offset  size  field
 *        0     1  family (2 AF_INET, 10 AF_INET6)
 *        1     1  state (the kernel's TCP state number, as in /proc's `st`)
 *        2     1  v6only, put here by the addon in place of idiag_timer: 0 not reported,
 *                 1 IPV6_V6ONLY off (dual-stack), 2 on (the kernel reports it for IPv6
 *                 sockets in LISTEN or CLOSE state only)
 *        4     2  source port, big-endian
 *        6     2  destination port, big-endian
 *        8    16  source address, network order (IPv4 in the first 4 bytes)
 *       24    16  destination address
 *       56     4  receive queue, host order    60  send queue
 *       64     4  uid                           68  inode
 *
 *   02 0a 00 00 1f 90 00 00 | 7f 00 00 01 ... | 00 ... | rq 0 wq 128 uid 0 inode 20571
 *   -> tcp 127.0.0.1:8080, LISTEN, not connected, uid 0, inode 20571
 *   0a 0a 01 00 23 8d 00 00 | 00 x16 | ...
 *   -> tcp [::]:9101, LISTEN, v6only false (source `socket`): dual-stack
 *
 * The /proc text has no v6only; the records parseInetTable gives differ from these in
 * `v6only` and `v6onlySource` alone (the collector infers those from the namespace's
 * default, see collect.ts).
 *
 * For a TCP listener the dump's send queue is the backlog limit (tcp_diag_get_info:
 * idiag_wqueue = sk_max_ack_backlog, idiag_rqueue = sk_ack_backlog, the accept queue), where
 * /proc/net/tcp shows write_seq - snd_una, 0 for a socket that never connected
 * (get_tcp4_sock; its rx_queue is sk_ack_backlog as here). The record keeps sendQueue 0,
 * as /proc would, and carries the backlog in `backlog`, which /proc text cannot give.
 *
 *   rq 3 wq 511 of a tcp LISTEN record -> recvQueue 3 (waiting for accept), sendQueue 0, backlog 511
 */
export const INET_DIAG_MSG_SIZE = 72;

const AF_INET = 2;
const AF_INET6 = 10;
const TCP_LISTEN = 10;
/** byte 2 of a record as the addon writes it (native/sock-diag.c). */
const V6ONLY_OFF = 1;
const V6ONLY_ON = 2;
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

export interface InetDiagOptions {
  family: Extract<SocketFamily, 'tcp' | 'udp' | 'udplite'>;
  ipVersion: 4 | 6;
}

export function parseInetDiagRecords(bytes: Uint8Array, options: InetDiagOptions): SocketRecord[] {
  const { family, ipVersion } = options;
  if (bytes.length % INET_DIAG_MSG_SIZE !== 0) {
    throw new Error(`inet diag dump of ${bytes.length} bytes is not a whole number of ${INET_DIAG_MSG_SIZE}-byte records`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expectedFamily = ipVersion === 4 ? AF_INET : AF_INET6;
  const isStream = family === 'tcp';
  // addresses repeat (127.0.0.1 on every loopback socket): format each distinct one once
  const ipv4Cache = new Map<number, string>();
  const ipv6Cache = new Map<string, string>();
  const address = (offset: number): string => {
    if (ipVersion === 4) {
      const key = view.getUint32(offset, false);
      let text = ipv4Cache.get(key);
      if (text === undefined) ipv4Cache.set(key, (text = `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`));
      return text;
    }
    const key = `${view.getUint32(offset)},${view.getUint32(offset + 4)},${view.getUint32(offset + 8)},${view.getUint32(offset + 12)}`;
    let text = ipv6Cache.get(key);
    if (text === undefined) ipv6Cache.set(key, (text = formatIpv6Bytes(Array.from(bytes.subarray(offset, offset + 16)))));
    return text;
  };
  const isZero = (offset: number): boolean =>
    ipVersion === 4
      ? view.getUint32(offset) === 0
      : view.getUint32(offset) === 0 && view.getUint32(offset + 4) === 0 && view.getUint32(offset + 8) === 0 && view.getUint32(offset + 12) === 0;

  const rows: SocketRecord[] = [];
  for (let at = 0; at < bytes.length; at += INET_DIAG_MSG_SIZE) {
    if (bytes[at] !== expectedFamily) continue; // never seen: the kernel filters by family
    const state = bytes[at + 1]!;
    const localPort = view.getUint16(at + 4, false);
    const remotePort = view.getUint16(at + 6, false);
    const connected = remotePort !== 0 || !isZero(at + 24);
    const recvQueue = view.getUint32(at + 56, HOST_LITTLE_ENDIAN);
    const listener = isStream && state === TCP_LISTEN;
    const sendQueue = listener ? 0 : view.getUint32(at + 60, HOST_LITTLE_ENDIAN);
    const record = inetRecord(
      family,
      ipVersion,
      null,
      isStream ? tcpStateName(state) : datagramStateName(state),
      address(at + 8),
      localPort,
      connected ? address(at + 24) : null,
      connected ? remotePort : null,
      view.getUint32(at + 68, HOST_LITTLE_ENDIAN),
      view.getUint32(at + 64, HOST_LITTLE_ENDIAN),
      recvQueue,
      sendQueue,
    );
    if (listener) record.backlog = view.getUint32(at + 60, HOST_LITTLE_ENDIAN);
    const v6only = bytes[at + 2]!;
    if (v6only === V6ONLY_OFF || v6only === V6ONLY_ON) {
      record.v6only = v6only === V6ONLY_ON;
      record.v6onlySource = 'socket';
    }
    rows.push(record);
  }
  return rows;
}
