import { emptyRecord } from '../model/record-shapes.js';
import type { SocketRecord } from '../model/socket-record.js';
import { parseDecimalRange, parseHexRange } from './inet-address.js';
import { FieldScanner, forEachLine, headerColumns, type ParseProblem, type TableParse } from './field-scanner.js';
import { columnIndexes } from './header-columns.js';

/**
 * Parser for net/packet (AF_PACKET sockets: sniffers, DHCP clients, raw frame senders).
 *
 *   sk               RefCnt Type Proto  Iface R Rmem   User   Inode
 *   ffff8a0c4e1b8000 3      3    0003   2     1 0      0      31337
 *   -> packet raw (Type 3 = SOCK_RAW, 2 = SOCK_DGRAM), protocol 0x0003 (ETH_P_ALL: every
 *      frame), bound to ifindex 2, uid 0, inode 31337. Iface 0 means all interfaces.
 *
 * The interface index is returned in `interface` as `ifindex:N`; the collector replaces it
 * with the name when the namespace's interface list knows it.
 */

const PACKET_TYPES: Record<number, string> = { 2: 'dgram', 3: 'raw' };

export function parsePacketTable(text: string): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const header = headerColumns(text);
  const columns = columnIndexes(header, ['Type', 'Proto', 'Iface', 'User', 'Inode'], ['Rmem'], problems);
  if (columns === null) return { rows, problems };
  const fields = new FieldScanner(header.length);
  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1 || end === start) return;
    const count = fields.scan(text, start, end);
    if (count < header.length) {
      problems.push({ line: lineNumber, reason: `expected ${header.length} fields, found ${count}` });
      return;
    }
    const number = (index: number, hex = false) =>
      index < 0 ? -1 : (hex ? parseHexRange : parseDecimalRange)(text, fields.starts[index]!, fields.ends[index]!);
    const type = number(columns.Type);
    const protocol = number(columns.Proto, true);
    const ifindex = number(columns.Iface);
    const uid = number(columns.User);
    const inode = number(columns.Inode);
    const rmem = number(columns.Rmem!);
    if (type < 0 || protocol < 0 || ifindex < 0 || uid < 0 || inode < 0) {
      problems.push({ line: lineNumber, reason: 'Type, Proto, Iface, User or Inode is not a number' });
      return;
    }
    const record = emptyRecord('packet');
    record.type = PACKET_TYPES[type] ?? `type-${type}`;
    record.protocol = protocol;
    record.state = 'UNCONN';
    record.interface = ifindex === 0 ? null : `ifindex:${ifindex}`;
    record.inode = inode;
    record.uid = uid;
    record.recvQueue = rmem < 0 ? null : rmem;
    rows.push(record);
  });
  return { rows, problems };
}
