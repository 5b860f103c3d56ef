import { emptyRecord } from '../model/record-shapes.js';
import type { SocketRecord } from '../model/socket-record.js';
import { formatIpv6Bytes, parseDecimalRange, parseIpv4Text, parseIpv6Text } from './inet-address.js';
import { FieldScanner, forEachLine, headerColumns, type ParseProblem, type TableParse } from './field-scanner.js';
import { columnIndexes } from './header-columns.js';
import { tcpStateName } from './parse-inet-table.js';

/**
 * Parsers for net/sctp/eps (endpoints: bound and listening SCTP sockets) and
 * net/sctp/assocs (associations). These files exist only while the sctp module is
 * loaded. Addresses are printed as text, several per socket (multi-homing); the first
 * local address (or the one marked `*`, the primary path) is the record's address.
 *
 *   ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS
 *   ffff88017e0a0200 ffff880299f7fa00 2   10  29   3868     0 209580 10.0.0.1 10.0.0.2
 *   -> sctp stream (STY 2, one-to-one; 0 = one-to-many and 1 = peeled-off are seqpacket), LISTEN (SST 10, TCP numbering), 10.0.0.1:3868, uid 0
 *
 *   ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT ...
 *   ffff... ffff... 1 1 3 1234 5 0 0 0 209581 3868 40000 10.0.0.1 <-> *10.0.0.2 7500 ...
 *   -> sctp ESTABLISHED (ST 3) 10.0.0.1:3868 -> 10.0.0.2:40000, inode 209581
 */

/**
 * STY is sctp_sk(sk)->type, enum sctp_socket_type: 0 one-to-many (SOCK_SEQPACKET),
 * 1 a peeled-off association (also seqpacket-style), 2 one-to-one (SOCK_STREAM).
 */
const SOCKET_TYPES: Record<number, string> = { 0: 'seqpacket', 1: 'seqpacket', 2: 'stream' };
/** enum sctp_state (include/net/sctp/constants.h). */
export const ASSOC_STATES = [
  'CLOSED',
  'COOKIE_WAIT',
  'COOKIE_ECHOED',
  'ESTABLISHED',
  'SHUTDOWN_PENDING',
  'SHUTDOWN_SENT',
  'SHUTDOWN_RECEIVED',
  'SHUTDOWN_ACK_SENT',
];

/** "10.0.0.1" / "*fe80::1" -> normalised address and IP version; null if not an address. */
function normaliseAddress(token: string): { address: string; ipVersion: 4 | 6 } | null {
  const text = token.startsWith('*') ? token.slice(1) : token;
  if (text.includes(':')) {
    const bytes = parseIpv6Text(text);
    return bytes === null ? null : { address: formatIpv6Bytes(bytes), ipVersion: 6 };
  }
  const bytes = parseIpv4Text(text);
  return bytes === null ? null : { address: bytes.join('.'), ipVersion: 4 };
}

/** The primary (`*`-marked) address of a list, else its first. */
function pickAddress(tokens: string[]): string | undefined {
  return tokens.find((token) => token.startsWith('*')) ?? tokens[0];
}

type SctpFields = Pick<SocketRecord, 'ipVersion' | 'type' | 'state' | 'localAddress' | 'localPort' | 'uid' | 'inode'> &
  Partial<Pick<SocketRecord, 'remoteAddress' | 'remotePort' | 'recvQueue' | 'sendQueue'>>;

/** An SCTP record, from the one record factory (emptyRecord, record-shapes.ts). */
function sctpRecord(fields: SctpFields): SocketRecord {
  const record = emptyRecord('sctp');
  record.ipVersion = fields.ipVersion;
  record.type = fields.type;
  record.state = fields.state;
  record.localAddress = fields.localAddress;
  record.localPort = fields.localPort;
  record.remoteAddress = fields.remoteAddress ?? null;
  record.remotePort = fields.remotePort ?? null;
  record.inode = fields.inode;
  record.uid = fields.uid;
  record.recvQueue = fields.recvQueue ?? null;
  record.sendQueue = fields.sendQueue ?? null;
  return record;
}

export function parseSctpEndpoints(text: string): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const header = headerColumns(text);
  const columns = columnIndexes(header, ['STY', 'SST', 'LPORT', 'UID', 'INODE', 'LADDRS'], [], problems);
  if (columns === null) return { rows, problems };
  const fields = new FieldScanner(64);
  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1 || end === start) return;
    const count = fields.scan(text, start, end);
    if (count < header.length) {
      problems.push({ line: lineNumber, reason: `expected at least ${header.length} fields, found ${count}` });
      return;
    }
    const number = (index: number) => parseDecimalRange(text, fields.starts[index]!, fields.ends[index]!);
    const type = number(columns.STY);
    const state = number(columns.SST);
    const port = number(columns.LPORT);
    const uid = number(columns.UID);
    const inode = number(columns.INODE);
    const addresses: string[] = [];
    for (let i = columns.LADDRS; i < count; i++) addresses.push(fields.field(text, i));
    const local = normaliseAddress(pickAddress(addresses) ?? '');
    if (type < 0 || state < 0 || port < 0 || uid < 0 || inode < 0 || local === null) {
      problems.push({ line: lineNumber, reason: 'STY, SST, LPORT, UID, INODE or LADDRS is malformed' });
      return;
    }
    rows.push(
      sctpRecord({
        ipVersion: local.ipVersion,
        type: SOCKET_TYPES[type] ?? `type-${type}`,
        state: state === 7 ? 'UNCONN' : tcpStateName(state),
        localAddress: local.address,
        localPort: port,
        uid,
        inode,
      }),
    );
  });
  return { rows, problems };
}

export function parseSctpAssociations(text: string): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const header = headerColumns(text);
  const columns = columnIndexes(
    header,
    ['STY', 'ST', 'TX_QUEUE', 'RX_QUEUE', 'UID', 'INODE', 'LPORT', 'RPORT', 'LADDRS'],
    [],
    problems,
  );
  if (columns === null) return { rows, problems };
  const fields = new FieldScanner(128);
  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1 || end === start) return;
    const count = fields.scan(text, start, end);
    if (count <= columns.LADDRS) {
      problems.push({ line: lineNumber, reason: `expected at least ${columns.LADDRS + 1} fields, found ${count}` });
      return;
    }
    const number = (index: number) => parseDecimalRange(text, fields.starts[index]!, fields.ends[index]!);
    const localAddresses: string[] = [];
    const remoteAddresses: string[] = [];
    let i = columns.LADDRS;
    for (; i < count && fields.field(text, i) !== '<->'; i++) localAddresses.push(fields.field(text, i));
    // remote addresses follow "<->" until the first plain number (HBINT)
    for (i++; i < count; i++) {
      const token = fields.field(text, i);
      if (!token.includes('.') && !token.includes(':')) break;
      remoteAddresses.push(token);
    }
    const type = number(columns.STY);
    const state = number(columns.ST);
    const sendQueue = number(columns.TX_QUEUE);
    const recvQueue = number(columns.RX_QUEUE);
    const uid = number(columns.UID);
    const inode = number(columns.INODE);
    const localPort = number(columns.LPORT);
    const remotePort = number(columns.RPORT);
    const local = normaliseAddress(pickAddress(localAddresses) ?? '');
    const remote = normaliseAddress(pickAddress(remoteAddresses) ?? '');
    if ([type, state, sendQueue, recvQueue, uid, inode, localPort, remotePort].some((value) => value < 0) || local === null || remote === null) {
      problems.push({ line: lineNumber, reason: 'a numeric column or an address list is malformed' });
      return;
    }
    rows.push(
      sctpRecord({
        ipVersion: local.ipVersion,
        type: SOCKET_TYPES[type] ?? `type-${type}`,
        state: ASSOC_STATES[state] ?? `UNKNOWN(${state})`,
        localAddress: local.address,
        localPort,
        remoteAddress: remote.address,
        remotePort,
        uid,
        inode,
        recvQueue,
        sendQueue,
      }),
    );
  });
  return { rows, problems };
}
