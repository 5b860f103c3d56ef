import { exposureOf } from '../inventory/exposure.js';
import { SOCKET_SOURCES } from '../inventory/socket-sources.js';
import type { SocketRecord } from '../model/socket-record.js';
import type { SockDiagRequest, SockDiagResult } from '../native/native-addon.js';
import { inetDiagCookie } from '../proc/inet-diag-cookie.js';
import { INET_DIAG_MSG_SIZE, parseInetDiagRecords } from '../proc/parse-inet-diag.js';
import { parseUnixDiagRecords } from '../proc/parse-unix-diag.js';
import type { ProcFs } from '../proc/proc-fs.js';
import type { WatchedNamespace } from './watched-namespaces.js';

/** A listening or bound socket seen by a poll. */
export interface PolledSocket {
  /** `c<cookie>` for TCP/UDP/UDP-Lite (what destroy events carry), `i<inode>` otherwise. */
  key: string;
  /** the kernel's socket cookie (TCP, UDP, UDP-Lite); null for the rest. */
  cookie: number | null;
  record: SocketRecord;
  /** the number of the last poll that saw it (see pollBoundSockets). */
  seenInPoll: number;
}

/** What `watch` needs of the addon: kernel-filtered dumps. */
export interface FilteredDumper {
  dumpSockets(requests: (SockDiagRequest & { states?: number })[]): Promise<SockDiagResult[]>;
}

const TCP_LISTEN = 10;
/** an unconnected UDP socket: bound and receiving from anyone (a connected one is a client). */
const UDP_UNCONNECTED = 7;

/** The dumps of one poll, per namespace: listeners and unconnected bound datagram sockets. */
const POLLED_DUMPS: readonly { family: 'tcp' | 'udp' | 'udplite' | 'unix'; ipVersion: 4 | 6 | null; protocol: number; states: number }[] = [
  { family: 'tcp', ipVersion: 4, protocol: 6, states: 1 << TCP_LISTEN },
  { family: 'tcp', ipVersion: 6, protocol: 6, states: 1 << TCP_LISTEN },
  { family: 'udp', ipVersion: 4, protocol: 17, states: 1 << UDP_UNCONNECTED },
  { family: 'udp', ipVersion: 6, protocol: 17, states: 1 << UDP_UNCONNECTED },
  { family: 'udplite', ipVersion: 4, protocol: 136, states: 1 << UDP_UNCONNECTED },
  { family: 'udplite', ipVersion: 6, protocol: 136, states: 1 << UDP_UNCONNECTED },
  { family: 'unix', ipVersion: null, protocol: 0, states: 1 << TCP_LISTEN },
];

/** Tables sock_diag does not dump here (raw, ping, packet, SCTP endpoints): few sockets, read from the files. */
const POLLED_FILES = SOCKET_SOURCES.filter((source) =>
  ['net/raw', 'net/raw6', 'net/icmp', 'net/icmp6', 'net/packet', 'net/sctp/eps'].includes(source.file),
);

/** One poll of the whole host. */
export interface BoundSocketsPoll {
  /** sockets not in `known`, each once, decoded. */
  fresh: Map<string, PolledSocket>;
  /** namespaces that could not be dumped now (gone, or entry refused), with why. */
  failures: { namespace: WatchedNamespace; code: string }[];
}

/**
 * Polls every namespace's listening and bound sockets. The kernel filters the dumps by
 * state, so a host with 10,000 connections and 200 listeners sends 200 records. A socket
 * already known (its key in `known`) is not decoded again, only stamped with `poll`
 * (its seenInPoll): only new ones are decoded, and returned as `fresh`, which is what
 * makes an unchanged poll cost a few hundred microseconds of JavaScript. A known socket
 * whose seenInPoll is not `poll` afterwards was not seen (closed, or its namespace failed).
 *
 * `known` is stamped in place rather than a new map built per poll: at the 10,000
 * listening and bound sockets of the soak workload (bench/watch-soak.mjs) that map's
 * table is ~0.5 MB, past V8's 128 KB limit for young objects, so each poll's copy went
 * straight to the old generation: ~0.7 MB/s of old-generation garbage (--trace-gc), the
 * saw-tooth of resident memory between two full collections.
 */
export async function pollBoundSockets(
  proc: ProcFs,
  namespaces: readonly WatchedNamespace[],
  dumper: FilteredDumper,
  known: ReadonlyMap<string, PolledSocket>,
  poll: number,
): Promise<BoundSocketsPoll> {
  const fresh = new Map<string, PolledSocket>();
  const failures: BoundSocketsPoll['failures'] = [];
  /** a socket of this poll already known (stamped now) or already fresh: nothing to decode. */
  const seenBefore = (key: string): boolean => {
    const socket = known.get(key);
    if (socket === undefined) return fresh.has(key);
    socket.seenInPoll = poll;
    return true;
  };
  await Promise.all(
    namespaces.map(async (namespace) => {
      const requests = POLLED_DUMPS.map((dump) => ({
        netnsPath: namespace.entryPath,
        family: dump.family === 'unix' ? ('unix' as const) : dump.ipVersion!,
        protocol: dump.protocol,
        states: dump.states,
      }));
      const results = await dumper.dumpSockets(requests);
      const complete = (record: SocketRecord): SocketRecord => {
        record.netns = namespace.inode;
        record.netnsName = namespace.name;
        record.exposure = exposureOf(record.family, record.localAddress);
        return record;
      };
      for (const [index, result] of results.entries()) {
        const dump = POLLED_DUMPS[index]!;
        if (!('records' in result)) {
          // ENOENT for a protocol whose diag module is absent (udplite) is not a failure
          if (result.code !== 'ENOENT' || dump.family === 'tcp') failures.push({ namespace, code: result.code });
          continue;
        }
        if (result.netns !== namespace.inode) {
          failures.push({ namespace, code: 'ESTALE' }); // its pid exited and the number went to another namespace's process
          continue;
        }
        const bytes = result.records;
        if (dump.family === 'unix') {
          for (const record of parseUnixDiagRecords(bytes)) {
            const key = `i${record.inode}`;
            if (!seenBefore(key)) fresh.set(key, { key, cookie: null, record: complete(record), seenInPoll: poll });
          }
          continue;
        }
        for (let at = 0; at + INET_DIAG_MSG_SIZE <= bytes.length; at += INET_DIAG_MSG_SIZE) {
          const cookie = inetDiagCookie(bytes, at);
          const key = `c${cookie}`;
          if (seenBefore(key)) continue;
          const [record] = parseInetDiagRecords(bytes.subarray(at, at + INET_DIAG_MSG_SIZE), { family: dump.family, ipVersion: dump.ipVersion! });
          if (record !== undefined) fresh.set(key, { key, cookie, record: complete(record), seenInPoll: poll });
        }
      }
      if (namespace.readerPid === null) return;
      for (const source of POLLED_FILES) {
        let text: string;
        try {
          text = proc.readText(`${namespace.readerPid}/${source.file}`);
        } catch {
          continue; // absent table (no sctp module) or the reader exited: the next poll tries again
        }
        for (const record of source.parse(text).rows) {
          if (record.inode === 0) continue;
          if (!isBound(record)) continue;
          const key = `i${record.inode}`;
          if (!seenBefore(key)) fresh.set(key, { key, cookie: null, record: complete(record), seenInPoll: poll });
        }
      }
    }),
  );
  return { fresh, failures };
}

/** raw, ping and packet sockets are all "bound" once they exist; SCTP endpoints listed in eps are. */
function isBound(record: SocketRecord): boolean {
  return record.remoteAddress === null || record.remoteAddress === '0.0.0.0' || record.remoteAddress === '::';
}
