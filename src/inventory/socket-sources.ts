import type { TableParse } from '../proc/field-scanner.js';
import { parseInetTable } from '../proc/parse-inet-table.js';
import { parseNetlinkTable } from '../proc/parse-netlink-table.js';
import { parsePacketTable } from '../proc/parse-packet-table.js';
import { parseSctpAssociations, parseSctpEndpoints } from '../proc/parse-sctp-tables.js';
import { parseUnixTable } from '../proc/parse-unix-table.js';
import type { SocketRecord } from './socket-record.js';

/** One per-namespace socket table: the file under /proc/PID/net and how to parse it. */
export interface SocketSource {
  file: string;
  /** whether the file exists on every kernel; an optional one (sctp, udplite) may be absent. */
  required: boolean;
  parse(text: string): TableParse<SocketRecord>;
}

/**
 * Every socket table sockaudit reads, in output order. The family of each file is stated
 * here, not guessed from its name.
 */
export const SOCKET_SOURCES: readonly SocketSource[] = [
  { file: 'net/tcp', required: true, parse: (text) => parseInetTable(text, { family: 'tcp', ipVersion: 4 }) },
  { file: 'net/tcp6', required: false, parse: (text) => parseInetTable(text, { family: 'tcp', ipVersion: 6 }) },
  { file: 'net/udp', required: true, parse: (text) => parseInetTable(text, { family: 'udp', ipVersion: 4 }) },
  { file: 'net/udp6', required: false, parse: (text) => parseInetTable(text, { family: 'udp', ipVersion: 6 }) },
  { file: 'net/udplite', required: false, parse: (text) => parseInetTable(text, { family: 'udplite', ipVersion: 4 }) },
  { file: 'net/udplite6', required: false, parse: (text) => parseInetTable(text, { family: 'udplite', ipVersion: 6 }) },
  { file: 'net/raw', required: false, parse: (text) => parseInetTable(text, { family: 'raw', ipVersion: 4 }) },
  { file: 'net/raw6', required: false, parse: (text) => parseInetTable(text, { family: 'raw', ipVersion: 6 }) },
  { file: 'net/icmp', required: false, parse: (text) => parseInetTable(text, { family: 'icmp', ipVersion: 4 }) },
  { file: 'net/icmp6', required: false, parse: (text) => parseInetTable(text, { family: 'icmp', ipVersion: 6 }) },
  { file: 'net/unix', required: true, parse: parseUnixTable },
  { file: 'net/packet', required: false, parse: parsePacketTable },
  { file: 'net/netlink', required: false, parse: parseNetlinkTable },
  { file: 'net/sctp/eps', required: false, parse: parseSctpEndpoints },
  { file: 'net/sctp/assocs', required: false, parse: parseSctpAssociations },
];
