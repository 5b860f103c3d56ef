import fs from 'node:fs';
import { errnoCode, InputError } from '../errors.js';
import type { FdLinkScan } from '../model/fd-link-scan.js';
import type { FdLinkScanJob } from '../proc/fd-links.js';
import { nativeAddon, type SockDiagRequest, type SockDiagResult, type NativeAddon } from '../native/native-addon.js';
import { createProcFs, isLiveProcRoot, type ProcFs } from '../proc/proc-fs.js';
import { parseCommFile, parseNetnsLink } from '../proc/parse-process-files.js';
import { parseIfInet6, parseIgmp } from '../proc/parse-interface-names.js';
import { parseBindV6only } from '../proc/parse-bindv6only.js';
import { NET_TABLE_LIMITS } from '../proc/bounded-read.js';
import { toolVersion } from '../version.js';
import { hostNameFromText } from './default-host.js';
import { exposureOf } from './exposure.js';
import { inferV6only } from './infer-v6only.js';
import { takeFdScanHeadStart } from './fd-scan-head-start.js';
import { readHostContext, type HostContext } from './host-context.js';
import { indexProcessFileDump, joinArgv, processDetailsFromFiles, processFilesFromDump, readProcessFiles, type CmdlineRenderer, type ProcessDetails } from './process-details.js';
import { InodeIndex } from './inode-index.js';
import { RECORD_SHAPE_EXEMPLARS } from '../model/record-shapes.js';
import { listPids, readNetnsOfPids, readSocketsInUse, runsAsRoot, socketHoldingPids } from './scan-processes.js';
import type { Inventory, NamespaceInfo, SocketOwner, SocketRecord } from '../model/socket-record.js';
import { SOCKET_SOURCES, type SocketSource } from './socket-sources.js';
import { ownSocketPositions, withoutPositions, type OwnSockets } from './own-sockets.js';
import { relistedPositions } from './relisted-sockets.js';
import { keepUnixPeerIndex, UnixPeerIndex } from './unix-peers.js';
import { WarningLog } from './warning-log.js';
import { attachContainers, ContainerIdentity } from './container-identity.js';
import { attachPublishedTargets, publishedWithoutListener } from './published-targets.js';
import { createRuntimeMetadata, type RuntimeMetadata } from '../runtime/runtime-metadata.js';
import { parseNftDnat, type DnatRule } from '../runtime/parse-nft-dnat.js';
import { readNftRuleset } from './nft-ruleset.js';
import type { SocketContainer } from '../model/container.js';
import { nulFree } from '../model/nul-free-text.js';

export interface CollectOptions {
  procRoot: string;
  /** host name to record; default: defaultHost (the kernel's, PROC/sys/kernel/hostname). */
  host?: string;
  /**
   * leave out the sockets this process alone holds (the commands do: they are sockaudit's
   * own); library callers such as the tests collect their own sockets on purpose. The
   * sock_diag dumps' netlink sockets are left out either way.
   */
  leaveOutOwnProcess?: boolean;
  /**
   * What owners' command lines become, from their argv (default: joined with spaces).
   * `snapshot` redacts here, where the arguments are still apart (store/cmdline-policy.ts).
   */
  cmdline?: CmdlineRenderer;
  /**
   * where container runtimes' metadata is read (docker, containerd, CRI-O, podman state
   * directories, under their usual paths below it: runtime-metadata.ts). Default: `/` for
   * the live /proc; for a captured tree, none (containers are then named by id, with a
   * warning), since this host's runtimes know nothing of another's containers.
   */
  runtimeRoot?: string | null;
}

/**
 * Everything on the host now: every socket of every family in every network namespace
 * that can be seen, with every owner. Reads each namespace's net/* files once, through
 * the lowest pid inside it; never throws for a vanished process or a permission error
 * (those become warnings). Throws InputError only when the proc root itself is unusable.
 */
export async function collectInventory(options: CollectOptions): Promise<Inventory> {
  const proc = createProcFs(options.procRoot);
  // the scan the bin started before loading the program, for the live /proc
  // (fd-scan-head-start.ts): it has listed /proc already, so that need not be tried here
  const headStart = takeFdScanHeadStart(options.procRoot);
  try {
    if (headStart === null) proc.listDir('');
  } catch (error) {
    const reason = errnoCode(error) === 'ENOENT' ? 'no such directory' : errnoCode(error) === 'ENOTDIR' ? 'not a directory' : String(errnoCode(error) ?? error);
    throw new InputError(`cannot read proc root ${options.procRoot}: ${reason}`);
  }
  if (options.runtimeRoot !== undefined && options.runtimeRoot !== null) {
    let directory = false;
    try {
      directory = fs.statSync(options.runtimeRoot).isDirectory();
    } catch {
      directory = false;
    }
    if (!directory) throw new InputError(`cannot read runtime root ${options.runtimeRoot}: not a directory`);
  }
  // sock_diag only sees the live kernel: a captured tree is read from its files alone
  const sockDiag = isLiveProcRoot(options.procRoot) ? nativeAddon : null;
  return collectFromProc(
    proc,
    readHostContext(options.procRoot),
    options.host,
    sockDiag,
    headStart,
    // our own sockets are ours only on the live host: a captured tree's pids are another machine's
    isLiveProcRoot(options.procRoot) ? { pid: options.leaveOutOwnProcess === true ? process.pid : null } : null,
    options.cmdline,
    createRuntimeMetadata(options.runtimeRoot ?? (isLiveProcRoot(options.procRoot) ? '/' : null)),
    () => readNftRuleset(isLiveProcRoot(options.procRoot)),
  );
}

/** Reads the host's nftables ruleset (nft-ruleset.ts), or says why not; null when not to be read. */
export type NftRulesetReader = () => { text: string } | { problem: string } | null;

/** What the collector needs to dump TCP, UDP and unix tables over sock_diag (the native addon). */
export type SockDiagDumper = Pick<NativeAddon, 'dumpSockets'>;

/** A small file outside the process directories (hostname, boot_id): null when absent; any other failure is a warning. */
function readOptionalText(proc: ProcFs, file: string, warnings: WarningLog): string | null {
  try {
    return nulFree(proc.readText(file).trim());
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOENT') warnings.add('file-unreadable', () => `${proc.root.replace(/\/$/, '')}/${file}: ${describeReadFailure(code ?? String(error))}; not used`, `file-unreadable ${file}`);
    return null;
  }
}

/** A read failure's code as a warning shows it: "NOT_REGULAR" -> "not a regular file". */
export function describeReadFailure(code: string): string {
  if (code === 'NOT_REGULAR') return 'not a regular file (a FIFO, device or socket), not read';
  if (code === 'ELOOP') return 'ELOOP (a loop of symbolic links)';
  return code;
}

/**
 * The collection itself, over any ProcFs (live or captured) and host context. The fd
 * links are read on other threads while this thread reads and parses the namespaces'
 * socket tables: the two big costs, each mostly kernel time, overlap on two cores. With
 * `sockDiag` (the live kernel and the native addon), the TCP, UDP and unix tables come
 * from sock_diag dumps, also on other threads; a dump that fails (no diag module, or no
 * right to enter a namespace) falls back to the table's file. `startedScan`: a scan of
 * this proc root already under way (the bin's head start), used instead of a new one.
 * `own`: on the live host, what of sockaudit's own to leave out (own-sockets.ts): the
 * dumps' netlink sockets always, and with a pid the sockets that process alone holds; null
 * for a captured tree.
 */
export async function collectFromProc(
  proc: ProcFs,
  context: HostContext,
  host?: string,
  sockDiag: SockDiagDumper | null = null,
  startedScan: FdLinkScanJob | null = null,
  own: { pid: number | null } | null = null,
  renderCmdline: CmdlineRenderer = joinArgv,
  runtime: RuntimeMetadata = createRuntimeMetadata(null),
  nftRuleset: NftRulesetReader = () => null,
): Promise<Inventory> {
  // the exemplars must exist before the first record is parsed (see record-shapes.ts);
  // naming them here also keeps a bundler from dropping the module
  if (RECORD_SHAPE_EXEMPLARS.length === 0) throw new Error('socket record shapes were not primed');
  const started = process.hrtime.bigint(); // not performance.now(): that loads perf_hooks, ~1 ms of start-up
  const takenAt = new Date().toISOString();
  const warnings = new WarningLog();
  const pids = startedScan?.pids ?? listPids(proc);
  const netnsOfPid = readNetnsOfPids(proc, pids, warnings);
  const identity = new ContainerIdentity(proc, runtime, warnings);
  const namespaces = groupNamespaces(proc, pids, netnsOfPid, context, warnings, identity);

  // the fd scan and the sock_diag dumps run on other threads while this thread reads and
  // parses the other socket tables (with the JavaScript scan, it then takes a share of
  // what is left of the scan: help())
  const fdScan = startedScan ?? proc.startSocketFdScan(pids, readSocketsInUse(proc));
  const dumps = sockDiag === null ? null : startSockDiagDumps(proc, namespaces, sockDiag);
  const reads = namespaces.map((namespace) => readNamespaceTables(proc, namespace, dumps?.has(namespace.inode) === true));
  // every namespace's tables are parsed as they arrive, whatever the namespace and table
  // order (a large dump may still be under way while the others are parsed); the records
  // are then put in output order
  const parsed = await Promise.all(
    namespaces.map((namespace, index) => {
      const read = reads[index]!;
      return read === null ? [] : parseNamespaceTables(proc, namespace, read, dumps?.get(namespace.inode));
    }),
  );
  let sockets: SocketRecord[] = [];
  const namespaceInfos: NamespaceInfo[] = [];
  for (const [index, namespace] of namespaces.entries()) {
    const read = reads[index]!;
    if (read === null) {
      warnings.add('netns-unreadable', () => `network namespace ${namespace.name} (${namespace.inode}): no process inside it let its socket tables be read; its sockets are not listed`, `netns-unreadable ${namespace.inode}`);
    }
    const first = sockets.length;
    for (const table of parsed[index]!) {
      table.warn?.(warnings); // in output order, whatever order the tables came in
      for (const record of table.rows) sockets.push(record);
    }
    // the IPv6 sockets read as /proc text: v6only from the namespace's default (only where
    // completeRecords saw one whose v6only is unknown: a pass over 50,000 records that a
    // dump's v6only leaves nothing to do for was 4 ms, run cold)
    if (read !== null && parsed[index]!.some((table) => table.v6Unknown)) {
      inferV6only(sockets.slice(first), () => readBindV6only(proc, namespace, read.pid, warnings));
    }
    namespaceInfos.push({ inode: namespace.inode, name: namespace.name, readerPid: read?.pid ?? null, readable: read !== null });
  }
  fdScan.help();
  // indexed while the last of the scan may still run on other threads
  let recordsByInode = indexRecordsByInode(sockets);
  const relisted = relistedPositions(sockets, recordsByInode);
  if (relisted.length > 0) {
    sockets = withoutPositions(sockets, relisted);
    recordsByInode = indexRecordsByInode(sockets);
  }
  const scan = await fdScan.result();
  const details = readOwnerDetails(proc, scan, context.users, warnings, renderCmdline, identity);
  attachOwners(scan, sockets, recordsByInode, details);
  const namespaceContainers = new Map<number, SocketContainer>();
  for (const namespace of namespaces) if (namespace.container !== null) namespaceContainers.set(namespace.inode, namespace.container);
  attachContainers(sockets, identity, namespaceContainers, details.keys());
  if ([...details.values()].some((process) => process.comm === 'docker-proxy')) attachPublishedTargets(sockets, runtime);
  const publishedOnly = publishedWithoutListener(sockets, namespaces.find((namespace) => namespace.name === 'host')?.inode ?? null, runtime, readDnatRules(nftRuleset, warnings));
  const ownPositions = own === null ? [] : ownSockets(sockets, scan, recordsByInode, { pid: own.pid, netlinkInodes: await dumpSocketInodes(dumps) });
  const collected = withoutPositions(sockets, ownPositions);
  keepUnixPeerIndex(collected, new UnixPeerIndex(sockets, recordsByInode, new Set(ownPositions.map((position) => sockets[position]!))));

  const portRange = readOptionalText(proc, 'sys/net/ipv4/ip_local_port_range', warnings)?.split(/\s+/).map(Number);
  const hostName = host ?? hostNameFromText(readOptionalText(proc, 'sys/kernel/hostname', warnings));
  const bootId = readOptionalText(proc, 'sys/kernel/random/boot_id', warnings);
  const kernel = readOptionalText(proc, 'sys/kernel/osrelease', warnings);
  for (const problem of context.problems) warnings.add('file-unreadable', () => problem, `host-context ${problem}`);
  // what the read limits cut (bounded-read.ts), each naming its file
  for (const note of proc.notes) warnings.add(note.kind, () => note.message, `${note.kind} ${note.file}`);
  return {
    meta: {
      host: hostName,
      takenAt,
      bootId,
      kernel,
      procRoot: proc.root,
      toolVersion: toolVersion(),
      durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
      namespaces: namespaceInfos,
      ephemeralPorts:
        portRange !== undefined && portRange.length === 2 && portRange.every(Number.isInteger)
          ? [portRange[0]!, portRange[1]!]
          : null,
      ...(publishedOnly.length > 0 ? { publishedOnly } : {}),
    },
    sockets: collected,
    warnings: warnings.toArray(),
  };
}

/** The DNAT rules of the ruleset read (none when it was not read), a failure as a warning. */
function readDnatRules(ruleset: NftRulesetReader, warnings: WarningLog): DnatRule[] {
  const read = ruleset();
  if (read === null) return [];
  if ('problem' in read) {
    warnings.add('nft-unreadable', () => `DNAT rules not read, so ports published only through them are not listed: ${read.problem}`);
    return [];
  }
  return parseNftDnat(read.text);
}

/** The inodes of the netlink sockets the sock_diag dumps used (all settled by now). */
async function dumpSocketInodes(dumps: SockDiagDumps | null): Promise<Set<number>> {
  const inodes = new Set<number>();
  if (dumps === null) return inodes;
  for (const perSource of dumps.values()) {
    for (const result of await Promise.all(perSource.filter((dump) => dump !== undefined))) {
      if (result.socketInode !== undefined && result.socketInode !== 0) inodes.add(result.socketInode);
    }
  }
  return inodes;
}

/**
 * Details of every process that holds a socket: from the files the C scan read alongside
 * its fds where it did, otherwise read now. Its cgroup file goes to `identity`, which
 * container it runs in, so that attaching containers reads nothing more.
 */
function readOwnerDetails(
  proc: ProcFs,
  scan: FdLinkScan,
  users: ReadonlyMap<number, string> | null,
  warnings: WarningLog,
  renderCmdline: CmdlineRenderer,
  identity: ContainerIdentity,
): Map<number, ProcessDetails> {
  const dumped = scan.processes === undefined ? null : indexProcessFileDump(scan.processes);
  const details = new Map<number, ProcessDetails>();
  const root = proc.root.replace(/\/$/, '');
  for (const pid of socketHoldingPids(scan, warnings, root)) {
    const position = dumped?.get(pid);
    // a file that could not be read for another reason than a vanished process or a
    // permission (a FIFO, a loop of links in a captured tree): that field stays unknown
    const unreadable = (file: string, code: string) =>
      warnings.add('process-file-unreadable', () => `${root}/${pid}/${file}: ${describeReadFailure(code)}; the owner's ${file} is unknown`, `process-file-unreadable ${pid}/${file}`);
    const files = position === undefined ? readProcessFiles(proc, pid) : processFilesFromDump(scan.processes!, position, `${root}/${pid}`, proc.notes);
    details.set(pid, processDetailsFromFiles(files, users, renderCmdline, unreadable));
    identity.learn(pid, typeof files.cgroup === 'string' ? files.cgroup : null);
  }
  return details;
}

/** Advice about pid 1 refused on the live /proc: none for a captured tree, "run as root" only to a run that is not. */
function liveAdvice(procRoot: string): string {
  if (!isLiveProcRoot(procRoot)) return '';
  return runsAsRoot() ? ' although sockaudit runs as root (it probably runs in a container)' : ' (run as root)';
}

interface NamespaceGroup {
  inode: number;
  name: string;
  /** pids inside, ascending: candidates for reading net/*, the lowest first. */
  pids: number[];
  /** the one container whose namespace this is, if it is one container's (not a pod's). */
  container: SocketContainer | null;
}

/**
 * Network namespaces in output order (host first, then by inode), each with its pids and
 * name: `host` for pid 1's (or, where pid 1 cannot be read, our own, with a warning); the
 * container or pod all its processes run in (`container redis-1`, `pod default/web-7d9f`;
 * ahead of /run/netns, where CNI names a pod's namespace `cni-<uuid>`); the /run/netns
 * name where one matches; otherwise the comm of its lowest pid. Names are unique: a name
 * two namespaces would share (two pods' `pause`, two containers of one name on two
 * runtimes) gets ` #INODE` on every namespace but the first (by inode).
 */
function groupNamespaces(
  proc: ProcFs,
  pids: readonly number[],
  netnsOfPid: ReadonlyMap<number, number>,
  context: HostContext,
  warnings: WarningLog,
  identity: ContainerIdentity,
): NamespaceGroup[] {
  const pidsOf = new Map<number, number[]>();
  for (const pid of pids) {
    const netns = netnsOfPid.get(pid);
    if (netns === undefined) continue;
    const list = pidsOf.get(netns);
    if (list === undefined) pidsOf.set(netns, [pid]);
    else list.push(pid);
  }
  let hostNetns = netnsOfPid.get(1) ?? -1;
  if (hostNetns < 0) {
    try {
      hostNetns = parseNetnsLink(proc.readLink('self/ns/net'));
    } catch {
      hostNetns = -1;
    }
    warnings.add(
      'host-netns-assumed',
      () =>
        hostNetns > 0
          ? `pid 1's network namespace cannot be read${liveAdvice(proc.root)}; the namespace sockaudit runs in is named host`
          : "neither pid 1's nor sockaudit's own network namespace can be read; no namespace is named host",
    );
  }
  // a namespace kept alive only by its /run/netns mount has no process to read it through:
  // listed as unreadable (with a warning) rather than silently left out
  for (const inode of context.netnsNames.keys()) if (!pidsOf.has(inode)) pidsOf.set(inode, []);
  const groups: NamespaceGroup[] = [];
  for (const [inode, pids] of pidsOf) {
    const inContainer = inode === hostNetns ? null : identity.namespaceName(pids);
    let name = inode === hostNetns ? 'host' : (inContainer?.name ?? context.netnsNames.get(inode));
    if (name === undefined) {
      try {
        name = pids.length > 0 ? parseCommFile(proc.readText(`${pids[0]}/comm`)) : `netns-${inode}`;
      } catch {
        name = `netns-${inode}`;
      }
    }
    groups.push({ inode, name, pids, container: inContainer?.container ?? null });
  }
  groups.sort((a, b) => (a.inode === hostNetns ? -1 : b.inode === hostNetns ? 1 : a.inode - b.inode));
  const taken = new Set<string>();
  for (const group of groups) {
    if (taken.has(group.name)) group.name = `${group.name} #${group.inode}`;
    taken.add(group.name);
  }
  return groups;
}

/** One table as read: its text, a sock_diag dump, or the errno code that stopped the read. */
type TableRead = string | { records: Uint8Array } | { code: string };

/** The socket tables of one namespace as read through one of its pids. */
interface NamespaceTables {
  pid: number;
  /** per SOCKET_SOURCES entry. */
  texts: TableRead[];
}

/** A table whose sock_diag dump is still to come (readNamespaceTables leaves it for takeSockDiagDumps). */
const AWAITING_DUMP: TableRead = { code: 'AWAITING_DUMP' };

/** A socket table's text, or why it could not be read (any errno, or NOT_REGULAR for a FIFO or device). */
function readTableFile(proc: ProcFs, pid: number, file: string): TableRead {
  try {
    return proc.readText(`${pid}/${file}`, NET_TABLE_LIMITS);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== undefined) return { code };
    throw error;
  }
}

/**
 * Reads every socket table of one namespace through its lowest pid whose net/ can be
 * read; null if none can. net/unix exists on every kernel, so its absence means that pid
 * is gone (or hidden from us): the next pid is tried. With `dumped`, the tables that
 * sock_diag dumps are not read here, and a pid qualifies when its net/ can be listed.
 */
function readNamespaceTables(proc: ProcFs, namespace: NamespaceGroup, dumped: boolean): NamespaceTables | null {
  const unixIndex = SOCKET_SOURCES.findIndex((source) => source.file === 'net/unix');
  for (const pid of namespace.pids) {
    if (dumped && !canListNetDir(proc, pid)) continue;
    const texts = SOCKET_SOURCES.map((source) => (dumped && source.diag !== undefined ? AWAITING_DUMP : readTableFile(proc, pid, source.file)));
    if (dumped || typeof texts[unixIndex] === 'string') return { pid, texts };
  }
  return null;
}

function canListNetDir(proc: ProcFs, pid: number): boolean {
  try {
    proc.listDir(`${pid}/net`);
    return true;
  } catch {
    return false;
  }
}

/** sock_diag dumps under way: per namespace inode, per SOCKET_SOURCES index, the dump of that table. */
type SockDiagDumps = Map<number, (Promise<SockDiagResult> | undefined)[]>;

/**
 * Asks for every dumpable table of every namespace: the namespace this process is in
 * directly, the others by entering them through their lowest pid's ns/net (which takes
 * root; when refused, the files are read instead). One request per table, so that each
 * can be parsed as soon as it arrives while the others are still being dumped on other
 * threads; the largest tables, unix and TCP, are asked for first.
 */
function startSockDiagDumps(proc: ProcFs, namespaces: readonly NamespaceGroup[], sockDiag: SockDiagDumper): SockDiagDumps {
  let ownNetns = -1;
  try {
    ownNetns = parseNetnsLink(proc.readLink('self/ns/net'));
  } catch {
    // not knowing our own namespace: every namespace is entered by path
  }
  const root = proc.root.endsWith('/') ? proc.root : `${proc.root}/`;
  const order = SOCKET_SOURCES.map((source, index) => ({ source, index }))
    .filter(({ source }) => source.diag !== undefined)
    .sort((a, b) => Number(b.source.diag!.family === 'unix') - Number(a.source.diag!.family === 'unix'));
  const dumps: SockDiagDumps = new Map();
  for (const namespace of namespaces) {
    if (namespace.pids.length === 0) continue;
    const netnsPath = namespace.inode === ownNetns ? null : `${root}${namespace.pids[0]}/ns/net`;
    const perSource: (Promise<SockDiagResult> | undefined)[] = [];
    for (const { source, index } of order) {
      perSource[index] = sockDiag.dumpSockets([{ netnsPath, family: source.diag!.family, protocol: source.diag!.protocol }]).then((results) => results[0]!);
    }
    dumps.set(namespace.inode, perSource);
  }
  return dumps;
}

/**
 * One table of a namespace: as read, or (for a dumpable one) its dump. A dump that failed,
 * or that came from another namespace than asked (its pid exited and the number was
 * reused), is replaced by the table's file, read through the namespace's reader pid.
 */
async function resolveTable(proc: ProcFs, namespace: NamespaceGroup, tables: NamespaceTables, index: number, dumps: (Promise<SockDiagResult> | undefined)[] | undefined): Promise<TableRead> {
  const read = tables.texts[index]!;
  if (read !== AWAITING_DUMP) return read;
  const result = await dumps?.[index];
  return result !== undefined && 'records' in result && result.netns === namespace.inode
    ? { records: result.records }
    : readTableFile(proc, tables.pid, SOCKET_SOURCES[index]!.file);
}

/** One table parsed: its records, and what it has to warn about (added in output order). */
interface ParsedTable {
  rows: SocketRecord[];
  /** some row is IPv6 with its v6only unknown (inferV6only has work to do). */
  v6Unknown: boolean;
  warn?: (warnings: WarningLog) => void;
}

/**
 * Parses one namespace's tables, each as soon as it is there (in whatever order the dumps
 * finish), giving per SOCKET_SOURCES entry its records, with namespace, exposure and
 * interface name filled in.
 */
async function parseNamespaceTables(
  proc: ProcFs,
  namespace: NamespaceGroup,
  tables: NamespaceTables,
  dumps: (Promise<SockDiagResult> | undefined)[] | undefined,
): Promise<ParsedTable[]> {
  const { pid } = tables;
  let interfaceNames: Map<number, string> | null = null;
  const completeRecords = (rows: SocketRecord[]): { rows: SocketRecord[]; v6Unknown: boolean } => {
    let v6Unknown = false;
    // neighbours mostly share family and local address (127.0.0.1 for every loopback
    // listener; null for every unix socket): the exposure is worked out once per run of them
    let lastFamily: SocketRecord['family'] | null = null;
    let lastAddress: string | null = null;
    let exposure: SocketRecord['exposure'] = null;
    for (const socket of rows) {
      if (socket.ipVersion === 6 && socket.v6only === null) v6Unknown = true;
      socket.netns = namespace.inode;
      socket.netnsName = namespace.name;
      if (socket.family !== lastFamily || socket.localAddress !== lastAddress) {
        lastFamily = socket.family;
        lastAddress = socket.localAddress;
        exposure = exposureOf(lastFamily, lastAddress);
      }
      socket.exposure = exposure;
      if (socket.interface !== null && socket.interface.startsWith('ifindex:')) {
        interfaceNames ??= readInterfaceNames(proc, pid);
        socket.interface = interfaceNames.get(Number(socket.interface.slice(8))) ?? socket.interface;
      }
    }
    return { rows, v6Unknown };
  };
  const parseTable = (source: SocketSource, text: TableRead): ParsedTable => {
    if (typeof text !== 'string' && 'records' in text) return completeRecords(source.diag!.parse(text.records));
    if (typeof text !== 'string') {
      // an optional table may be absent (no sctp module, no udplite); a required one is
      // news, and so is an optional one that is there but cannot be read (a FIFO, a loop)
      if (!source.required && (text.code === 'ENOENT' || text.code === 'ESRCH')) return { rows: [], v6Unknown: false };
      const which = source.required ? 'required' : 'optional';
      return {
        rows: [],
        v6Unknown: false,
        warn: (warnings) =>
          warnings.add(
            'netns-file-unreadable',
            (count) => `${count} ${which} socket table(s) could not be read (${source.file} of pid ${pid}, namespace ${namespace.name}: ${describeReadFailure(text.code)})`,
            `netns-file-unreadable ${which}`,
          ),
      };
    }
    const { rows, problems } = source.parse(text);
    if (problems.length === 0) return completeRecords(rows);
    const shown = problems.slice(0, 3).map((problem) => `line ${problem.line}: ${problem.reason}`).join('; ');
    return {
      ...completeRecords(rows),
      warn: (warnings) =>
        warnings.add(
          'malformed-line',
          () => `${proc.root.replace(/\/$/, '')}/${pid}/${source.file} (namespace ${namespace.name}): ${problems.length} malformed line${problems.length === 1 ? '' : 's'} skipped (${shown}${problems.length > 3 ? '; ...' : ''})`,
          `malformed-line ${pid}/${source.file}`,
          problems.length,
        ),
    };
  };
  return Promise.all(SOCKET_SOURCES.map(async (source, index) => parseTable(source, await resolveTable(proc, namespace, tables, index, dumps))));
}

/**
 * The namespace's net.ipv6.bindv6only, the default a socket read from /proc text is taken
 * to have (v6onlySource `inferred`), or null when it cannot be known. The sysctl file
 * shows the namespace of the process reading it, whatever the path, so: a captured tree
 * keeps each namespace's value under its reader pid (PID/sys/net/ipv6/bindv6only, written
 * by scripts/capture-proc.mjs; no such file exists in a live /proc); otherwise the proc
 * root's sys/net/ipv6/bindv6only stands for the namespace this process (the tree's `self`)
 * is in, and another namespace's default is unknown (sockaudit would have to enter it,
 * which the sock_diag dumps do, and they report each socket's own value).
 */
function readBindV6only(proc: ProcFs, namespace: NamespaceGroup, pid: number, warnings: WarningLog): boolean | null {
  // (a live /proc has no PID/sys: ENOENT, and the rule below applies)
  const perNamespace = readOptionalText(proc, `${pid}/sys/net/ipv6/bindv6only`, warnings);
  if (perNamespace !== null) return parseBindV6only(perNamespace);
  let ownNetns: number;
  try {
    ownNetns = parseNetnsLink(proc.readLink('self/ns/net'));
  } catch {
    return null;
  }
  if (ownNetns !== namespace.inode) return null;
  const own = readOptionalText(proc, 'sys/net/ipv6/bindv6only', warnings);
  return own === null ? null : parseBindV6only(own);
}

function readInterfaceNames(proc: ProcFs, pid: number): Map<number, string> {
  const names = new Map<number, string>();
  for (const [file, parse] of [['net/if_inet6', parseIfInet6], ['net/igmp', parseIgmp]] as const) {
    try {
      parse(nulFree(proc.readText(`${pid}/${file}`, NET_TABLE_LIMITS)), names);
    } catch {
      // either file may be absent (no IPv6, no IPv4 multicast): names stay unknown
    }
  }
  return names;
}

/**
 * The positions of sockaudit's own sockets (own-sockets.ts), ascending, from those that can
 * be: the dumps' netlink sockets, and the sockets the scan found in this process.
 */
function ownSockets(sockets: readonly SocketRecord[], scan: FdLinkScan, byInode: InodeIndex, own: OwnSockets): number[] {
  const candidates = new Set<number>();
  const add = (inode: number) => {
    const found = byInode.lookup(inode);
    if (found >= 0) candidates.add(found);
    else if (found !== -1) for (const position of byInode.group(found)) candidates.add(position);
  };
  for (const inode of own.netlinkInodes) add(inode);
  if (own.pid !== null) for (let i = 0; i < scan.pids.length; i++) if (scan.pids[i] === own.pid) add(scan.inodes[i]!);
  return ownSocketPositions(sockets, own, [...candidates].sort((a, b) => a - b));
}

/** The records' positions by inode (see InodeIndex). */
function indexRecordsByInode(sockets: readonly SocketRecord[]): InodeIndex {
  const inodes = new Float64Array(sockets.length);
  for (let i = 0; i < sockets.length; i++) inodes[i] = sockets[i]!.inode;
  return new InodeIndex(inodes);
}

/** Fills `owners` from the scan, one pass over its entries; shared sockets' owners sorted by pid then fd. */
function attachOwners(scan: FdLinkScan, sockets: readonly SocketRecord[], byInode: InodeIndex, details: Map<number, ProcessDetails>): void {
  const { pids, fds, inodes } = scan;
  const shared: SocketRecord[] = [];
  let processPid = -1;
  let comm: string | null = null;
  let exe: string | null = null;
  let cmdline: string | null = null;
  let uid: number | null = null;
  let user: string | null = null;
  for (let i = 0; i < inodes.length; i++) {
    const found = byInode.lookup(inodes[i]!);
    if (found === -1) continue; // a socket of a namespace we could not read, or opened since
    const pid = pids[i]!;
    if (pid !== processPid) {
      // a process's fds come together in the scan: its details are looked up once
      const process = details.get(pid);
      processPid = pid;
      comm = process?.comm ?? null;
      exe = process?.exe ?? null;
      cmdline = process?.cmdline ?? null;
      uid = process?.uid ?? null;
      user = process?.user ?? null;
    }
    const owner: SocketOwner = { pid, fd: fds[i]!, comm, exe, cmdline, uid, user };
    if (found >= 0) addOwner(sockets[found]!, owner, shared);
    else for (const position of byInode.group(found)) addOwner(sockets[position]!, { ...owner }, shared);
  }
  for (const socket of shared) socket.owners.sort((a, b) => a.pid - b.pid || a.fd - b.fd);
}

/** Adds an owner; a socket's second owner puts it on `shared`, to be sorted. */
function addOwner(socket: SocketRecord, owner: SocketOwner, shared: SocketRecord[]): void {
  if (socket.owners.length === 0) {
    socket.owners = [owner]; // most sockets have one owner: an array of exactly one
    return;
  }
  if (socket.owners.length === 1) shared.push(socket);
  socket.owners.push(owner);
}
