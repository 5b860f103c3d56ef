import type { TableParse } from '../proc/field-scanner.js';
import { parseInetTable } from '../proc/parse-inet-table.js';
import { parseInetDiagRecords } from '../proc/parse-inet-diag.js';
import { parseNetlinkTable } from '../proc/parse-netlink-table.js';
import { parsePacketTable } from '../proc/parse-packet-table.js';
import { parseSctpAssociations, parseSctpEndpoints } from '../proc/parse-sctp-tables.js';
import { parseUnixDiagRecords } from '../proc/parse-unix-diag.js';
import { parseUnixTable } from '../proc/parse-unix-table.js';
import type { SocketRecord } from '../model/socket-record.js';

/** One per-namespace socket table: the file under /proc/PID/net and how to parse it. */
export interface SocketSource {
  file: string;
  /** whether the file exists on every kernel; an optional one (sctp, udplite) may be absent. */
  required: boolean;
  parse(text: string): TableParse<SocketRecord>;
  /**
   * The same table as a sock_diag dump, for the live kernel when the native addon is
   * built: which dump to ask for and how to decode it. Absent: only the file is read.
   */
  diag?: { family: 4 | 6 | 'unix'; protocol: number; parse(records: Uint8Array): SocketRecord[] };
}

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_UDPLITE = 136;

type InetFamily = 'tcp' | 'udp' | 'udplite' | 'raw' | 'icmp';

/** An inet table; with `diagProtocol`, one sock_diag can also dump. */
function inetSource(file: string, required: boolean, family: InetFamily, ipVersion: 4 | 6, diagProtocol?: number): SocketSource {
  const source: SocketSource = { file, required, parse: (text) => parseInetTable(text, { family, ipVersion }) };
  if (diagProtocol !== undefined && family !== 'raw' && family !== 'icmp') {
    source.diag = { family: ipVersion, protocol: diagProtocol, parse: (records) => parseInetDiagRecords(records, { family, ipVersion }) };
  }
  return source;
}

/**
 * Every socket table sockaudit reads, in output order. The family of each file is stated
 * here, not guessed from its name.
 */
export const SOCKET_SOURCES: readonly SocketSource[] = [
  inetSource('net/tcp', true, 'tcp', 4, IPPROTO_TCP),
  inetSource('net/tcp6', false, 'tcp', 6, IPPROTO_TCP),
  inetSource('net/udp', true, 'udp', 4, IPPROTO_UDP),
  inetSource('net/udp6', false, 'udp', 6, IPPROTO_UDP),
  inetSource('net/udplite', false, 'udplite', 4, IPPROTO_UDPLITE),
  inetSource('net/udplite6', false, 'udplite', 6, IPPROTO_UDPLITE),
  // raw (raw_diag) and ping sockets (no diag module) stay with their files: few sockets
  inetSource('net/raw', false, 'raw', 4),
  inetSource('net/raw6', false, 'raw', 6),
  inetSource('net/icmp', false, 'icmp', 4),
  inetSource('net/icmp6', false, 'icmp', 6),
  { file: 'net/unix', required: true, parse: parseUnixTable, diag: { family: 'unix', protocol: 0, parse: parseUnixDiagRecords } },
  { file: 'net/packet', required: false, parse: parsePacketTable },
  { file: 'net/netlink', required: false, parse: parseNetlinkTable },
  { file: 'net/sctp/eps', required: false, parse: parseSctpEndpoints },
  { file: 'net/sctp/assocs', required: false, parse: parseSctpAssociations },
];
