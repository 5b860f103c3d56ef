import { emptyRecord } from '../model/record-shapes.js';
import type { SocketRecord } from '../model/socket-record.js';
import { parseDecimalRange } from './inet-address.js';
import { FieldScanner, forEachLine, headerColumns, type ParseProblem, type TableParse } from './field-scanner.js';
import { columnIndexes } from './header-columns.js';

/**
 * Parser for net/netlink. Column layout comes from the header: current kernels print 10
 * columns, old ones (before Drops and Inode were added) 8.
 *
 *   sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
 *   ffff8a0c41c3a000 0   812        00000551 0        0        0     2        0        20481
 *   -> netlink protocol 0 (NETLINK_ROUTE), port id 812, inode 20481
 *   sk       Eth Pid    Groups   Rmem     Wmem     Dump     Locks
 *   c1a0e000 0   0      00000000 0        0        00000000 2
 *   -> netlink protocol 0, port id 0 (the kernel end), inode 0 (not shown by this kernel)
 *
 * Pid is a netlink port id, not a process id: it goes to `localPort` and is never used to
 * find an owner (owners come from /proc/PID/fd, as for every family).
 */

export function parseNetlinkTable(text: string): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const header = headerColumns(text);
  const columns = columnIndexes(header, ['Eth', 'Pid'], ['Rmem', 'Wmem', 'Inode'], problems);
  if (columns === null) return { rows, problems };
  const fields = new FieldScanner(header.length);
  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1 || end === start) return;
    const count = fields.scan(text, start, end);
    if (count < header.length) {
      problems.push({ line: lineNumber, reason: `expected ${header.length} fields, found ${count}` });
      return;
    }
    const number = (index: number) => (index < 0 ? -1 : parseDecimalRange(text, fields.starts[index]!, fields.ends[index]!));
    const protocol = number(columns.Eth);
    const portId = number(columns.Pid);
    const inode = columns.Inode! < 0 ? 0 : number(columns.Inode!);
    const rmem = number(columns.Rmem!);
    const wmem = number(columns.Wmem!);
    if (protocol < 0 || portId < 0 || inode < 0) {
      problems.push({ line: lineNumber, reason: 'Eth, Pid or Inode is not a number' });
      return;
    }
    const record = emptyRecord('netlink');
    record.protocol = protocol;
    record.state = 'UNCONN';
    record.localPort = portId;
    record.inode = inode;
    record.recvQueue = rmem < 0 ? null : rmem;
    record.sendQueue = wmem < 0 ? null : wmem;
    rows.push(record);
  });
  return { rows, problems };
}
