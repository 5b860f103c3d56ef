import type { CommandIo } from '../io.js';
import { collectInventory } from '../inventory/collect.js';
import { probeOwnerCoverage, probeTablePaths, type OwnerCoverage, type TablePath } from '../inventory/collection-paths.js';
import { nativeAddonStatus, type NativeAddonStatus } from '../native/native-addon.js';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { inspectStore, type StoreInspection } from '../store/inspect-store.js';
import { toolVersion } from '../version.js';

export interface DoctorCommandOptions {
  db?: string;
  procRoot?: string;
  json?: boolean;
}

/**
 * One finding of `doctor`. `problem`: something to fix here, that makes the exit code 1;
 * `limit`: as good as this machine and user allow (not root, a kernel without a module),
 * reported with what would lift it; `ok`: nothing to say but the fact.
 */
export interface DoctorCheck {
  area: 'addon' | 'tables' | 'namespaces' | 'owners' | 'database';
  status: 'ok' | 'limit' | 'problem';
  summary: string;
  /** what to do about it; null when nothing is to be done. */
  advice: string | null;
}

export interface NamespaceReadability {
  name: string;
  inode: number;
  readable: boolean;
  reason: string | null;
}

export interface DoctorReport {
  ok: boolean;
  version: string;
  node: string;
  root: boolean;
  procRoot: string;
  addon: NativeAddonStatus;
  tables: TablePath[];
  namespaces: NamespaceReadability[];
  /** processes whose network namespace could not even be read (so a namespace only they are in is not seen). */
  processesWithUnreadableNamespace: number;
  owners: OwnerCoverage;
  database: StoreInspection;
  checks: DoctorCheck[];
}

/** Free space below which `doctor` reports a problem: a snapshot of 50,000 sockets is about 10 MB. */
const LOW_DISK_BYTES = 100 * 1024 * 1024;

/**
 * `sockaudit doctor`: which paths a collection takes here and why, and whether the
 * database is usable. Exit 0 when everything is as good as this machine allows (limits of
 * the machine or of a non-root user are reported, with what would lift them), 1 when
 * something can be fixed: the addon not loaded, the database unreadable, newer than this
 * version or not writable, under 100 MB free beside it.
 */
export async function doctorReport(options: DoctorCommandOptions, env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const procRoot = options.procRoot ?? '/proc';
  const root = process.getuid?.() === 0;
  const tables = await probeTablePaths(procRoot);
  const inventory = await collectInventory({ procRoot });
  const owners = probeOwnerCoverage(procRoot);
  const database = inspectStore({ db: options.db, env });
  const notRoot = 'not root: reading another process\'s network namespace takes root (or CAP_SYS_PTRACE and CAP_SYS_ADMIN)';
  const namespaces = inventory.meta.namespaces.map((namespace) => ({
    name: namespace.name,
    inode: namespace.inode,
    readable: namespace.readable,
    reason: namespace.readable ? null : root ? 'no process inside it could be read (a namespace kept only by a mount, or processes that exited)' : notRoot,
  }));
  const hidden = inventory.warnings.find((warning) => warning.code === 'netns-permission-denied')?.count ?? 0;
  const checks = [
    addonCheck(nativeAddonStatus),
    tablesCheck(tables, isLiveProcRoot(procRoot)),
    namespacesCheck(namespaces, hidden, root),
    ownersCheck(owners, root),
    databaseCheck(database),
  ];
  return {
    ok: checks.every((check) => check.status !== 'problem'),
    version: toolVersion(),
    node: process.version,
    root,
    procRoot,
    addon: nativeAddonStatus,
    tables,
    namespaces,
    processesWithUnreadableNamespace: hidden,
    owners,
    database,
    checks,
  };
}

function addonCheck(addon: NativeAddonStatus): DoctorCheck {
  if (addon.loaded) {
    const from = addon.origin === 'prebuild' ? 'the prebuild shipped in the package' : 'the build compiled on this machine';
    return { area: 'addon', status: 'ok', summary: `native addon loaded, from ${from} (${addon.file})`, advice: null };
  }
  return {
    area: 'addon',
    status: 'problem',
    summary: `native addon not loaded: ${addon.reason}; the JavaScript paths are used (the same inventory, slower)`,
    advice: 'install python3, make and a C compiler, then `npm rebuild sockaudit` (in a checkout: `npm run build:native`)',
  };
}

function tablesCheck(tables: readonly TablePath[], live: boolean): DoctorCheck {
  const diag = tables.filter((table) => table.source === 'sock_diag').length;
  const refused = tables.filter((table) => table.source === 'proc' && table.reason?.startsWith('the sock_diag dump was refused') === true);
  const absent = tables.filter((table) => table.source === 'absent').length;
  const summary = `${diag} tables from sock_diag, ${tables.length - diag - absent} from /proc text, ${absent} absent from this kernel`;
  if (!live) return { area: 'tables', status: 'ok', summary: `${summary} (a captured tree)`, advice: null };
  if (refused.length > 0) {
    return { area: 'tables', status: 'limit', summary: `${summary}; sock_diag refused ${refused.map((table) => table.table).join(', ')}`, advice: 'load the kernel\'s diag modules (modprobe inet_diag tcp_diag udp_diag unix_diag) for faster collections' };
  }
  return { area: 'tables', status: 'ok', summary, advice: null };
}

function namespacesCheck(namespaces: readonly NamespaceReadability[], hidden: number, root: boolean): DoctorCheck {
  const unreadable = namespaces.filter((namespace) => !namespace.readable).length;
  const summary = `${namespaces.length - unreadable} of ${namespaces.length} network namespaces readable` + (hidden > 0 ? `; the namespace of ${hidden} process(es) could not be read` : '');
  if (unreadable === 0 && hidden === 0) return { area: 'namespaces', status: 'ok', summary, advice: null };
  return {
    area: 'namespaces',
    status: 'limit',
    summary,
    advice: root ? 'a sandbox or security module keeps root out of some processes; their namespaces stay unread' : 'run as root to read every namespace',
  };
}

function ownersCheck(owners: OwnerCoverage, root: boolean): DoctorCheck {
  const summary = `open files of ${owners.readable} of ${owners.processes} processes readable` +
    (owners.unreadableBy.length > 0 ? ` (unreadable: ${owners.unreadableBy.map(([code, count]) => `${count} ${code}`).join(', ')})` : '');
  if (owners.readable === owners.processes) return { area: 'owners', status: 'ok', summary, advice: null };
  return {
    area: 'owners',
    status: 'limit',
    summary: `${summary}: their sockets are listed without those owners`,
    advice: root ? 'a sandbox or security module keeps root out of some processes; their owners stay unknown' : 'run as root to see every owner',
  };
}

function databaseCheck(database: StoreInspection): DoctorCheck {
  const free = database.freeBytes === null ? 'free space unknown' : `${formatBytes(database.freeBytes)} free`;
  const base = { area: 'database' as const };
  if (database.schema === 'unreadable') {
    return { ...base, status: 'problem', summary: `database ${database.path} cannot be read: ${database.error}`, advice: 'check its permissions, or point --db / $SOCKAUDIT_DB at another file' };
  }
  if (database.schema === 'newer') {
    return { ...base, status: 'problem', summary: `database ${database.path} has schema ${database.schemaVersion}, newer than this version knows (${database.knownSchemaVersion})`, advice: 'upgrade sockaudit; the database is never migrated down' };
  }
  if (!database.writable) {
    return { ...base, status: 'problem', summary: `database ${database.path} ${database.exists ? 'is not writable' : 'cannot be created'} by this user (${free})`, advice: 'run as its owner (root for /var/lib/sockaudit), or point --db / $SOCKAUDIT_DB at a writable place' };
  }
  if (database.freeBytes !== null && database.freeBytes < LOW_DISK_BYTES) {
    return { ...base, status: 'problem', summary: `database ${database.path}: only ${free}`, advice: 'free some space, or `sockaudit prune` old snapshots' };
  }
  const state = database.schema === 'missing'
    ? 'does not exist yet (the first `sockaudit snapshot` creates it)'
    : `schema ${database.schemaVersion}${database.schema === 'older' ? ` (the next snapshot migrates it to ${database.knownSchemaVersion})` : ''}`;
  return { ...base, status: 'ok', summary: `database ${database.path}: ${state}, ${free}`, advice: null };
}

/** @example formatBytes(1536 * 1024 * 1024) -> '1.5 GB' */
function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Host text (namespace names are comms and /run/netns names; paths come from the
 * environment) as one bounded, printable line: control and non-ASCII-printable characters
 * as \xNN or \u{N}, at most 200 characters.
 *
 * @example printable('evil\x1b[2Jname') -> 'evil\\x1b[2Jname'
 */
export function printable(text: string, max = 200): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok     ', limit: 'limit  ', problem: 'PROBLEM' };

/** The text report: one line per check with its advice, then the tables and the unreadable namespaces. */
export function renderDoctor(report: DoctorReport): string {
  const lines = [`sockaudit ${report.version}, node ${report.node}, ${report.root ? 'as root' : 'not root'}, proc root ${printable(report.procRoot)}`, ''];
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]}  ${check.area.padEnd(10)}  ${printable(check.summary, 400)}`);
    if (check.advice !== null) lines.push(`${' '.repeat(21)}-> ${check.advice}`);
  }
  lines.push('', 'tables (this namespace):');
  for (const table of report.tables) {
    lines.push(`  ${table.table.padEnd(16)} ${table.source === 'sock_diag' ? 'sock_diag' : table.source === 'proc' ? '/proc text' : 'absent'}${table.reason === null ? '' : `  (${printable(table.reason)})`}`);
  }
  const unreadable = report.namespaces.filter((namespace) => !namespace.readable);
  if (unreadable.length > 0) {
    lines.push('', 'unreadable network namespaces:');
    for (const namespace of unreadable) lines.push(`  ${printable(namespace.name, 64)} (${namespace.inode}): ${namespace.reason}`);
  }
  lines.push('', report.ok ? 'everything is as good as this machine allows' : 'problems found: see PROBLEM lines');
  return lines.join('\n') + '\n';
}

/** `sockaudit doctor [--json]`: exit 0 when nothing is to be fixed, 1 otherwise. */
export async function doctorCommand(options: DoctorCommandOptions, io: CommandIo): Promise<number> {
  const report = await doctorReport(options, io.env);
  io.stdout(options.json === true ? JSON.stringify(report, null, 2) + '\n' : renderDoctor(report));
  return report.ok ? 0 : 1;
}
