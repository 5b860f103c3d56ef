import { emptyRecord } from '../model/record-shapes.js';
import type { SocketFamily, SocketRecord } from '../model/socket-record.js';
import { decodeIpv4Hex, decodeIpv6Hex, parseDecimalRange, parseHexRange } from './inet-address.js';
import { FieldScanner, forEachLine, type ParseProblem, type TableParse } from './field-scanner.js';

/**
 * Parser for the inet socket tables, which share one layout (the kernel's
 * `sock_common` seq files): net/tcp, tcp6, udp, udp6, udplite, udplite6, raw, raw6,
 * icmp, icmp6. The caller says which family and IP version a file holds; nothing is
 * guessed from the file name.
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:0016 00000000:0000 0A 00000000:00000001 00:00000000 00000000     0        0 20571 1 ...
 *   -> tcp 127.0.0.1:22, LISTEN, recvQueue 1, sendQueue 0, uid 0, inode 20571
 *
 * raw sockets: the local "port" is the IP protocol number (`0000:0001` -> protocol 1, ICMP);
 * it becomes `protocol`, and the ports are null. icmp (ping) sockets: the local port is the
 * echo identifier. An all-zero remote end with port 0 means "not connected": null address
 * and port.
 */

/** TCP states by their kernel number (include/net/tcp_states.h). */
export const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** TCP state name for a kernel state number, `UNKNOWN(n)` outside the table. */
export function tcpStateName(state: number): string {
  return TCP_STATES[state] ?? `UNKNOWN(${state})`;
}

/**
 * One inet socket record (TCP, UDP, UDP-Lite, raw, ping), as parsed: namespace, exposure
 * and owners are filled in later. Shared with parse-inet-diag.ts, so that both give the
 * same records, from the one record factory (emptyRecord, record-shapes.ts).
 */
export function inetRecord(
  family: SocketFamily,
  ipVersion: 4 | 6,
  protocol: number | null,
  state: string,
  localAddress: string,
  localPort: number | null,
  remoteAddress: string | null,
  remotePort: number | null,
  inode: number,
  uid: number,
  recvQueue: number,
  sendQueue: number,
): SocketRecord {
  const record = emptyRecord(family);
  record.ipVersion = ipVersion;
  record.protocol = protocol;
  record.state = state;
  record.localAddress = localAddress;
  record.localPort = localPort;
  record.remoteAddress = remoteAddress;
  record.remotePort = remotePort;
  record.inode = inode;
  record.uid = uid;
  record.recvQueue = recvQueue;
  record.sendQueue = sendQueue;
  return record;
}

/** Datagram-like sockets report TCP_ESTABLISHED when connected and TCP_CLOSE otherwise. */
export function datagramStateName(state: number): string {
  if (state === 1) return 'ESTABLISHED';
  if (state === 7) return 'UNCONN';
  return tcpStateName(state);
}

export interface InetTableOptions {
  family: Extract<SocketFamily, 'tcp' | 'udp' | 'udplite' | 'raw' | 'icmp'>;
  ipVersion: 4 | 6;
}

// field positions in a data line (tx:rx and tr:when are single fields there)
const LOCAL = 1;
const REMOTE = 2;
const STATE = 3;
const QUEUES = 4;
const UID = 7;
const INODE = 9;
const MIN_FIELDS = 10;

export function parseInetTable(text: string, options: InetTableOptions): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const { family, ipVersion } = options;
  const addressLength = ipVersion === 4 ? 8 : 32;
  const endpointLength = addressLength + 5; // ADDR:PORT
  const decode = ipVersion === 4 ? decodeIpv4Hex : decodeIpv6Hex;
  // addresses repeat (127.0.0.1 on every loopback socket): decode each distinct one once.
  // IPv4 keys are the 32-bit value, so no string is cut out per line to look one up.
  const ipv4Cache = new Map<number, string>();
  const ipv6Cache = new Map<string, string>();
  const decodeCached = (start: number): string | null => {
    if (ipVersion === 4) {
      const key = parseHexRange(text, start, start + 8);
      let address = ipv4Cache.get(key);
      if (address === undefined) {
        const decoded = decode(text, start);
        if (decoded === null) return null;
        ipv4Cache.set(key, (address = decoded));
      }
      return address;
    }
    const key = text.slice(start, start + addressLength);
    let address = ipv6Cache.get(key);
    if (address === undefined) {
      const decoded = decode(text, start);
      if (decoded === null) return null;
      ipv6Cache.set(key, (address = decoded));
    }
    return address;
  };
  const isStream = family === 'tcp';
  const isRaw = family === 'raw';
  const fields = new FieldScanner(MIN_FIELDS);

  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1) {
      const at = text.indexOf('local_address');
      if (at < 0 || at > end) {
        problems.push({ line: 1, reason: 'unrecognised header (expected "sl local_address ...")' });
      }
      return;
    }
    if (end === start) return; // blank trailing line
    const count = fields.scan(text, start, end);
    const { starts, ends } = fields;
    if (count < MIN_FIELDS) {
      problems.push({ line: lineNumber, reason: `expected at least ${MIN_FIELDS} fields, found ${count}` });
      return;
    }
    const localStart = starts[LOCAL]!;
    const remoteStart = starts[REMOTE]!;
    if (
      ends[LOCAL]! - localStart !== endpointLength ||
      ends[REMOTE]! - remoteStart !== endpointLength ||
      text.charCodeAt(localStart + addressLength) !== 58 /* : */ ||
      text.charCodeAt(remoteStart + addressLength) !== 58
    ) {
      problems.push({ line: lineNumber, reason: `malformed address field (expected ${addressLength} hex digits, ':' and 4)` });
      return;
    }
    const localAddress = decodeCached(localStart);
    const remoteAddressRaw = decodeCached(remoteStart);
    const localPort = parseHexRange(text, localStart + addressLength + 1, ends[LOCAL]!);
    const remotePort = parseHexRange(text, remoteStart + addressLength + 1, ends[REMOTE]!);
    const state = parseHexRange(text, starts[STATE]!, ends[STATE]!);
    const queuesColon = text.indexOf(':', starts[QUEUES]!);
    const sendQueue = queuesColon > 0 && queuesColon < ends[QUEUES]! ? parseHexRange(text, starts[QUEUES]!, queuesColon) : -1;
    const recvQueue = queuesColon > 0 && queuesColon < ends[QUEUES]! ? parseHexRange(text, queuesColon + 1, ends[QUEUES]!) : -1;
    const uid = parseDecimalRange(text, starts[UID]!, ends[UID]!);
    const inode = parseDecimalRange(text, starts[INODE]!, ends[INODE]!);
    if (localAddress === null || remoteAddressRaw === null || localPort < 0 || remotePort < 0) {
      problems.push({ line: lineNumber, reason: 'address or port is not hex' });
      return;
    }
    if (state < 0 || sendQueue < 0 || recvQueue < 0 || uid < 0 || inode < 0) {
      problems.push({ line: lineNumber, reason: 'state, queue, uid or inode is not a number' });
      return;
    }
    const connected = remotePort !== 0 || (remoteAddressRaw !== '0.0.0.0' && remoteAddressRaw !== '::');
    rows.push(
      inetRecord(
        family,
        ipVersion,
        isRaw ? localPort : null,
        isStream ? tcpStateName(state) : datagramStateName(state),
        localAddress,
        isRaw ? null : localPort,
        connected ? remoteAddressRaw : null,
        connected && !isRaw ? remotePort : null,
        inode,
        uid,
        recvQueue,
        sendQueue,
      ),
    );
  });
  return { rows, problems };
}
