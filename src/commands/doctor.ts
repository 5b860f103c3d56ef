import { codeCacheReport, type CodeCacheReport } from '../code-cache.js';
import type { CommandIo } from '../io.js';
import { collectInventory } from '../inventory/collect.js';
import { probeOwnerCoverage, probeTablePaths, type OwnerCoverage, type TablePath } from '../inventory/collection-paths.js';
import { nativeAddonStatus, type NativeAddonStatus } from '../native/native-addon.js';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { renderDoctor, type DoctorCheck, type DoctorReport, type NamespaceReadability } from '../render/doctor-text.js';
import { inspectPostgresStore } from '../store/inspect-postgres-store.js';
import { inspectStore, type StoreInspection } from '../store/inspect-store.js';
import { postgresUrlOf } from '../store/postgres-url.js';
import { toolVersion } from '../version.js';

export interface DoctorCommandOptions {
  db?: string;
  procRoot?: string;
  json?: boolean;
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
  const codeCache = codeCacheReport();
  const url = postgresUrlOf({ db: options.db, env });
  const database = url === undefined ? inspectStore({ db: options.db, env }) : await inspectPostgresStore(url, env);
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
    startupCheck(codeCache),
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
    codeCache,
    checks,
  };
}

/**
 * The bin's code caches (src/code-cache.ts): a matter of start-up time only (about 10 ms
 * of a command), so never a problem. Rejected: another Node or V8 than the build's, or the
 * bin run without its launcher (`node dist/bin/sockaudit.cjs`: V8 flags other than the
 * build's).
 */
function startupCheck(cache: CodeCacheReport): DoctorCheck {
  const area = 'start-up' as const;
  if (cache.directory === null) return { area, status: 'ok', summary: 'no code caches: running from source, not the built bin', advice: null };
  const used = cache.loaded + cache.rejected + cache.missing;
  const summary = `${cache.loaded} of ${used} chunks loaded from code caches in ${cache.directory}`;
  if (cache.rejected > 0) {
    const builtBy = cache.builtBy === null ? 'an unknown Node' : `Node ${cache.builtBy.node} (V8 ${cache.builtBy.v8})`;
    return {
      area,
      status: 'limit',
      summary: `${summary}; ${cache.rejected} rejected by this Node ${process.version} (V8 ${process.versions.v8}): built by ${builtBy}`,
      advice: cache.builtBy !== null && cache.builtBy.v8 === process.versions.v8
        ? 'run the `sockaudit` bin itself: its launcher gives Node the flags the caches were built with'
        : 'only start-up is slower (about 10 ms a command); `npm run build:bin` in a checkout rebuilds the caches for this Node',
    };
  }
  if (cache.loaded === 0) {
    return { area, status: 'limit', summary: `no code caches in ${cache.directory}`, advice: 'only start-up is slower (about 10 ms a command); `npm run build:bin` in a checkout rebuilds the caches' };
  }
  // some chunks have none: those of commands the build does not run (a PostgreSQL store's)
  return { area, status: 'ok', summary: cache.missing > 0 ? `${summary} (${cache.missing} without one)` : summary, advice: null };
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
  if (database.engine === 'postgresql') return postgresDatabaseCheck(database);
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

/**
 * A PostgreSQL store: reached or not (the reason, password left out), the server, the
 * schema, the role's part and the TLS. Disk space is the server's, not looked at. Problems
 * (exit 1): unreachable, newer schema, a schema this role cannot migrate, a role that may
 * not write when it is meant to. Limits: a reviewer's read-only role; a connection over TCP
 * without TLS, or with TLS that checks no certificate.
 *
 * @example summary: 'database postgres://web7:***@db/fleet: PostgreSQL 16.10, schema 0008-x (8 of 8
 *   migrations applied), role sockaudit_web_7 (host web-7: adds its own snapshots only), TLS TLSv1.3, certificate
 *   checked (chain and host name, system CAs); disk space: not applicable (the server's)'
 */
function postgresDatabaseCheck(database: StoreInspection): DoctorCheck {
  const base = { area: 'database' as const };
  const where = `database ${database.path}`;
  const pg = database.postgres;
  if (database.schema === 'unreadable' || pg === null) {
    return { ...base, status: 'problem', summary: `${where} cannot be read: ${database.error ?? 'unknown error'}`, advice: 'check the URL, the password ($PGPASSWORD or ~/.pgpass), sslmode and sslrootcert, and that the server is reachable' };
  }
  const role = {
    owner: `role ${pg.role} (owns the store: may write and migrate it)`,
    host: `role ${pg.role} (host ${pg.roleHost ?? '(not in fleet_host_roles)'}: adds its own snapshots only)`,
    reader: `role ${pg.role} (a reviewer's: reads only)`,
    other: `role ${pg.role}`,
  }[pg.roleKind];
  const tls = pg.tls.used
    ? `TLS ${pg.tls.protocol ?? ''}`.trimEnd() + (pg.tls.verification === 'none' ? ', certificate not checked' : `, certificate checked (${pg.tls.verification}, ${pg.tls.roots === 'system' ? 'system CAs' : `roots ${pg.tls.roots}`})`)
    : pg.unixSocket ? 'a unix socket (no TLS there)' : 'no TLS';
  const state = database.schema === 'missing'
    ? 'no sockaudit store yet'
    : `schema ${database.schemaVersion} (${pg.migrations.applied} of ${pg.migrations.known} migrations applied${database.schema === 'older' ? `; the next write by the owner migrates it to ${database.knownSchemaVersion}` : ''})`;
  const summary = `${where}: PostgreSQL ${pg.serverVersion}, ${state}, ${role}, ${tls} (sslmode=${pg.tls.mode}); disk space: not applicable (the server's)`;
  if (database.schema === 'newer') {
    return { ...base, status: 'problem', summary: `${summary}; schema ${database.schemaVersion} is newer than this version knows (${database.knownSchemaVersion})`, advice: 'upgrade sockaudit; the database is never migrated down' };
  }
  if ((database.schema === 'older' || database.schema === 'missing') && pg.roleKind !== 'owner') {
    const what = database.schema === 'missing' ? 'the store must be created' : `the store needs migration to ${database.knownSchemaVersion}`;
    return { ...base, status: 'problem', summary: `${summary}; ${what}, which this role may not do`, advice: 'run `sockaudit fleet init --db URL` once as the admin (the role that owns the tables)' };
  }
  if (!database.writable) {
    if (pg.roleKind === 'reader') return { ...base, status: 'limit', summary, advice: "reading only, as a reviewer's role should; snapshots and push need a host's role (`fleet add-host`) or the admin" };
    return { ...base, status: 'problem', summary: `${summary}; this role may not add snapshots`, advice: "use a host's role (`sockaudit fleet add-host NAME` as the admin), or the admin's" };
  }
  if (!pg.tls.used && !pg.unixSocket) {
    return { ...base, status: 'limit', summary, advice: 'the connection is not encrypted: turn ssl on at the server and use sslmode=verify-full (with sslrootcert for a private CA)' };
  }
  if (pg.tls.used && pg.tls.verification === 'none') {
    return { ...base, status: 'limit', summary, advice: "the server's certificate is not checked, so anyone in the path can pose as it: use sslmode=verify-full (with sslrootcert for a private CA)" };
  }
  return { ...base, status: 'ok', summary, advice: null };
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

/** `sockaudit doctor [--json]`: exit 0 when nothing is to be fixed, 1 otherwise. */
export async function doctorCommand(options: DoctorCommandOptions, io: CommandIo): Promise<number> {
  const report = await doctorReport(options, io.env);
  io.stdout(options.json === true ? JSON.stringify(report, null, 2) + '\n' : renderDoctor(report));
  return report.ok ? 0 : 1;
}
