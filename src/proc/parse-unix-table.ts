import { emptyRecord } from '../model/record-shapes.js';
import type { SocketRecord } from '../model/socket-record.js';
import { parseDecimalRange, parseHexRange } from './inet-address.js';
import { FieldScanner, forEachLine, type ParseProblem, type TableParse } from './field-scanner.js';

/**
 * Parser for net/unix.
 *
 *   Num       RefCount Protocol Flags    Type St Inode Path
 *   0000000000000000: 00000002 00000000 00010000 0001 01 20123 /run/my app/ctl.sock
 *   -> unix stream, LISTEN (flag __SO_ACCEPTCON 0x10000), inode 20123,
 *      path "/run/my app/ctl.sock" (everything after the inode and one space: paths may hold spaces)
 *   0000000000000000: 00000002 00000000 00000000 0002 01 20124 @sockload-7-w1@@@@@@
 *   -> unix dgram, UNCONN, abstract name "@sockload-7-w1" (the kernel prints each NUL of an
 *      abstract name as '@'; the trailing run of them is NUL padding and is dropped)
 *   0000000000000000: 00000003 00000000 00000000 0001 03 20125
 *   -> unix stream, CONNECTED, unnamed: path null
 *
 * Type: 1 stream, 2 dgram, 5 seqpacket. St: 1 UNCONN, 2 CONNECTING, 3 CONNECTED,
 * 4 DISCONNECTING; a socket with __SO_ACCEPTCON set is LISTEN whatever St says.
 *
 * A name that really ends in '@' loses that '@' too; the kernel's rendering makes the two
 * indistinguishable, and the result is stable from snapshot to snapshot, which is what
 * identity needs. A path containing a newline cannot be told from two lines (the kernel
 * escapes nothing); such a line is reported as malformed.
 */

const ACCEPTCON = 0x10000;
const UNIX_TYPES: Record<number, string> = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };
export const UNIX_STATES = ['UNKNOWN', 'UNCONN', 'CONNECTING', 'CONNECTED', 'DISCONNECTING'];

const FLAGS = 3;
const TYPE = 4;
const STATE = 5;
const INODE = 6;
const MIN_FIELDS = 7;

/**
 * A unix socket record, from the kernel's socket type number (1 stream, 2 dgram, 5
 * seqpacket) and the rest as shown: shared with the sock_diag decoder (parse-unix-diag.ts).
 */
export function unixRecord(type: number, state: string, path: string | null, inode: number): SocketRecord {
  const record = emptyRecord('unix');
  record.type = UNIX_TYPES[type] ?? `type-${type}`;
  record.state = state;
  record.path = path;
  record.inode = inode;
  return record;
}

/** "@name@@@@" -> "@name"; never shorter than "@" plus one character. */
export function trimAbstractPadding(path: string): string {
  let end = path.length;
  while (end > 2 && path.charCodeAt(end - 1) === 64 /* @ */) end--;
  return end === path.length ? path : path.slice(0, end);
}

export function parseUnixTable(text: string): TableParse<SocketRecord> {
  const rows: SocketRecord[] = [];
  const problems: ParseProblem[] = [];
  const fields = new FieldScanner(MIN_FIELDS);
  forEachLine(text, (start, end, lineNumber) => {
    if (lineNumber === 1) {
      if (!text.startsWith('Num', start)) problems.push({ line: 1, reason: 'unrecognised header (expected "Num RefCount Protocol Flags Type St Inode Path")' });
      return;
    }
    if (end === start) return;
    const count = fields.scan(text, start, end);
    const { starts, ends } = fields;
    if (count < MIN_FIELDS || text.charCodeAt(ends[0]! - 1) !== 58 /* : */) {
      problems.push({ line: lineNumber, reason: `expected "Num: RefCount Protocol Flags Type St Inode [Path]", found ${count} fields` });
      return;
    }
    const flags = parseHexRange(text, starts[FLAGS]!, ends[FLAGS]!);
    const type = parseHexRange(text, starts[TYPE]!, ends[TYPE]!);
    const state = parseHexRange(text, starts[STATE]!, ends[STATE]!);
    const inode = parseDecimalRange(text, starts[INODE]!, ends[INODE]!);
    if (flags < 0 || type < 0 || state < 0 || inode < 0) {
      problems.push({ line: lineNumber, reason: 'flags, type, state or inode is not a number' });
      return;
    }
    const inodeEnd = ends[INODE]!;
    let path: string | null = null;
    if (inodeEnd + 1 < end) {
      path = text.slice(inodeEnd + 1, end);
      if (path.charCodeAt(0) === 64) path = trimAbstractPadding(path);
    }
    rows.push(unixRecord(type, (flags & ACCEPTCON) !== 0 ? 'LISTEN' : (UNIX_STATES[state] ?? `UNKNOWN(${state})`), path, inode));
  });
  return { rows, problems };
}
