import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely, MigrationProvider } from 'kysely';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { asDamagedStoreError, DamagedStoreError, errnoCode, StorageError } from '../errors.js';
import type { Database } from './database-schema.js';
import { KyselyRuntime, MigratorRuntime, SqliteDialectRuntime } from './kysely-runtime.js';
import { connectPostgres } from './open-postgres-store.js';
import { postgresUrlOf, redactPostgresUrl } from './postgres-url.js';
import { storeDialectOf } from './store-dialect.js';
import { resolveStorePath } from './store-location.js';
import { hasWalContent, inspectStoreFile, whyNotWritable } from './store-file.js';
import { readWitness } from './witness.js';
import { asStorageError, inWriteTransaction } from './write-transaction.js';

/** An open database. Everything in src/store takes one of these. */
export interface Store {
  readonly db: Kysely<Database>;
  /** the file (or URL) it was opened from, for messages */
  readonly location: string;
  close(): Promise<void>;
}

/**
 * What a command does with the database:
 * - `read`: opens it read-only and never migrates (list, show, diff, verify...): works on a
 *   0400 file, in a read-only directory or on a read-only mount;
 * - `write`: changes an existing database (prune);
 * - `create`: `write`, creating it when the path is missing (snapshot).
 */
export type StoreAccess = 'read' | 'write' | 'create';

export interface OpenStoreOptions {
  /** --db PATH */
  db?: string;
  env: NodeJS.ProcessEnv;
  /** default: `create`, or `read` when readOnly is set */
  access?: StoreAccess;
  /** the same as access: 'read' */
  readOnly?: boolean;
  /** how long to wait for another writer, in ms (cron jobs overlap) */
  busyTimeoutMs?: number;
  /**
   * SQLite's page cache for this connection, in KiB (PRAGMA cache_size = -N); default
   * SQLite's own, 2000 KiB. For a long-running writer (watch) that mostly appends; no
   * effect on PostgreSQL.
   */
  pageCacheKiB?: number;
}

const MIGRATION_TABLE = 'kysely_migration';
const FIRST_MIGRATION = '0001-initial-schema';
/** The static index, imported only when a migration is pending. */
const staticMigrations: MigrationProvider = {
  getMigrations: async () => ({ ...(await import('../../migrations/index.js')).MIGRATIONS }),
};

/** Whether a database already exists where openStore would look, e.g. for "no snapshots yet". */
export function storeExists(options: Pick<OpenStoreOptions, 'db' | 'env'>): boolean {
  // a server cannot be asked synchronously; opening it says whether it holds a store
  if (postgresUrlOf(options) !== undefined) return true;
  return fs.existsSync(resolveStorePath(options));
}

/**
 * The path a command would use, refused early when it can never be a database (a
 * non-regular file, an unreadable or foreign file; `--db ''` is refused at the command
 * line, src/options/command-options.ts): `snapshot` asks this before it
 * collects, and creates the database only once it has something to store.
 */
export function checkStoreLocation(options: Pick<OpenStoreOptions, 'db' | 'env'>): { location: string; exists: boolean } {
  const url = postgresUrlOf(options);
  // a server's store is looked at when it is opened
  if (url !== undefined) return { location: redactPostgresUrl(url), exists: true };
  const location = resolveStorePath(options);
  const state = inspectStoreFile(location);
  if (state === 'empty') refuseTruncated(location);
  return { location, exists: state !== 'missing' };
}

/**
 * Opens the database for `access`. Writing opens (and creating creates, mode 0600, parent
 * directory 0700) it in WAL mode with foreign keys on and a busy timeout so that
 * overlapping cron runs wait rather than fail, and applies every pending migration. A
 * database written by a newer sockaudit, an SQLite file of another program, a file that is
 * not a database and an emptied database (its witness says it held snapshots) are refused.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const url = postgresUrlOf(options);
  if (url !== undefined) return openPostgresStore(url, options);
  const access: StoreAccess = options.access ?? (options.readOnly === true ? 'read' : 'create');
  const { location, exists } = checkStoreLocation(options);
  if (!exists && access !== 'create') {
    throw new StorageError(`no database at ${location} (run \`sockaudit snapshot\` first, or pass --db)`);
  }
  const empty = exists && fs.statSync(location).size === 0;
  if (empty && access !== 'create') {
    throw new StorageError(`the database ${location} is an empty file: nothing is stored yet (run \`sockaudit snapshot\` first)`);
  }
  if (exists && access !== 'read') {
    const why = whyNotWritable(location);
    if (why !== null) throw new StorageError(why);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 30_000;
  const connection = access === 'read' ? openReadOnly(location, busyTimeoutMs) : openWritable(location, busyTimeoutMs, exists);
  let db: Kysely<Database> | undefined;
  try {
    const schema = schemaOf(connection, location);
    if (schema.kind === 'blank' && access !== 'create') {
      throw new StorageError(`${location} is an SQLite file with no tables: nothing is stored yet (run \`sockaudit snapshot\` first)`);
    }
    if (access !== 'read') prepareForWriting(connection, location);
    if (options.pageCacheKiB !== undefined) connection.pragma(`cache_size = ${-Math.max(1, Math.trunc(options.pageCacheKiB))}`);
    db = new KyselyRuntime<Database>({ dialect: new SqliteDialectRuntime({ database: connection }) });
    if (access === 'read') refuseUnmigrated(schema.applied, location);
    else await migrate(db, location);
  } catch (error) {
    if (db !== undefined) await db.destroy();
    else connection.close();
    // SQLite's own errors (damage, a full disk, a lock held too long) as one line each
    throw asStorageError(error);
  }
  const opened = db;
  return { db: opened, location, close: () => opened.destroy() };
}

/**
 * A PostgreSQL store: the same migrations, applied under the same write lock (an advisory
 * lock there, store-dialect.ts; PostgreSQL's DDL is transactional, so a failed migration
 * leaves nothing behind). Reading commands never migrate and never create the schema.
 * There is no file, so none of the file checks (foreign, empty, truncated, writable) apply.
 */
async function openPostgresStore(url: string, options: OpenStoreOptions): Promise<Store> {
  const access: StoreAccess = options.access ?? (options.readOnly === true ? 'read' : 'create');
  const { db, location } = await connectPostgres({ url, env: options.env });
  try {
    const applied = await appliedMigrations(db);
    if (access !== 'create' && (applied === undefined || applied.length === 0)) {
      throw new StorageError(`the database ${location} holds no sockaudit store yet (run \`sockaudit snapshot --db URL\` or \`sockaudit fleet init --db URL\` first)`);
    }
    if (access === 'read') refuseUnmigrated(applied ?? [], location);
    else await migrate(db, location);
  } catch (error) {
    await db.destroy();
    throw storeDialectOf(db).asStorageError(error);
  }
  return { db, location, close: () => db.destroy() };
}

/** An empty file where a witness says a database was is a truncated database, never a new one. */
function refuseTruncated(location: string): void {
  const witness = readWitness(location);
  const head = witness?.heads[0];
  if (head === undefined) return;
  throw new DamagedStoreError(
    `the database ${location} is empty (0 bytes) but its witness records snapshot #${head.id} of host ${head.host}: ` +
      'it was truncated; restore it from a backup (sockaudit will not start a new database over it)',
  );
}

/**
 * better-sqlite3's compiled addon, loaded here and handed to it directly: its default lookup
 * (the `bindings` package) probes a list of build directories and reads the call stack to
 * find its own package first. SQLITE_USE_URI=1 is set while it loads because the addon
 * reads it once, at load, to allow `file:` URIs, which openReadOnly needs for
 * `immutable=1`; every other path given to SQLite is absolute, so none is taken for a URI.
 * (An addon loaded earlier by something else, as in a test, keeps URIs off.)
 */
export function sqliteAddonPath(): string {
  return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
}

let sqliteAddon: object | undefined;
/** The addon itself, loaded once with URIs allowed; better-sqlite3 takes it as nativeBinding too, though its types say only a path. */
export function sqliteNativeBinding(): object {
  if (sqliteAddon !== undefined) return sqliteAddon;
  const previous = process.env.SQLITE_USE_URI;
  process.env.SQLITE_USE_URI = '1';
  try {
    sqliteAddon = createRequire(import.meta.url)(sqliteAddonPath()) as object;
  } finally {
    if (previous === undefined) delete process.env.SQLITE_USE_URI;
    else process.env.SQLITE_USE_URI = previous;
  }
  return sqliteAddon;
}

function openWritable(location: string, busyTimeoutMs: number, exists: boolean): BetterSqlite3.Database {
  try {
    if (!exists) fs.mkdirSync(path.dirname(location), { recursive: true, mode: 0o700 });
    // create the file ourselves so that it is never readable by others, even for a moment;
    // SQLite gives the -wal and -shm files the same permissions. A file that was there
    // empty (an installer's `touch`) is made 0600 too before anything is written to it.
    const fd = fs.openSync(location, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
    try {
      if (fs.fstatSync(fd).size === 0) fs.fchmodSync(fd, 0o600);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new StorageError(`cannot create the database ${location}: ${describeFsError(error)}`);
  }
  try {
    return new BetterSqlite3(location, { timeout: busyTimeoutMs, nativeBinding: sqliteNativeBinding() as unknown as string });
  } catch (error) {
    throw new StorageError(`cannot open the database ${location}: ${describeFsError(error)}`);
  }
}

/**
 * Read-only, never creating anything but SQLite's shared-memory file for a WAL database.
 * Where SQLite cannot make even that (a read-only directory or mount, with no -shm file
 * left there), the file is opened as immutable, which is exact only when no other process
 * writes it and its log is empty: with a non-empty -wal file it is refused instead, since
 * immutable would silently ignore the snapshots that are still in the log.
 */
function openReadOnly(location: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const settings = { readonly: true, fileMustExist: true, timeout: busyTimeoutMs, nativeBinding: sqliteNativeBinding() as unknown as string };
  let firstError: unknown;
  try {
    const connection = new BetterSqlite3(location, settings);
    try {
      connection.prepare('select count(*) from sqlite_master').get();
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  } catch (error) {
    firstError = error;
  }
  const code = errnoCode(firstError) ?? '';
  if (!code.startsWith('SQLITE_CANTOPEN') && !code.startsWith('SQLITE_READONLY')) {
    const damaged = asDamagedStoreError(firstError);
    if (damaged !== firstError) throw damaged;
    throw new StorageError(`cannot open the database ${location}: ${describeFsError(firstError)}`);
  }
  if (hasWalContent(location)) {
    throw new StorageError(
      `cannot read the database ${location}: its write-ahead log (${location}-wal) holds commits that only a process ` +
        'that may write the directory can read (open it once as its owner, or copy the three files elsewhere)',
    );
  }
  const uri = `file:${location.split('/').map(encodeURIComponent).join('/')}?immutable=1`;
  try {
    return new BetterSqlite3(uri, settings);
  } catch (error) {
    throw new StorageError(`cannot open the database ${location} read-only: ${describeFsError(error)}`);
  }
}

function prepareForWriting(connection: BetterSqlite3.Database, location: string): void {
  try {
    // journal_mode is persistent; only switch when needed, since switching takes a lock
    if (connection.pragma('journal_mode', { simple: true }) !== 'wal') connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    // FULL: each commit is on disk before the witness (witness.ts) names it; with NORMAL a
    // power loss could lose a commit the witness already records, and every later run would
    // report that snapshot as missing. One fsync per snapshot.
    connection.pragma('synchronous = FULL');
  } catch (error) {
    const damaged = asDamagedStoreError(error);
    if (damaged !== error) throw damaged;
    throw new StorageError(`cannot open the database ${location}: ${describeFsError(error)}`);
  }
}

type Schema = { kind: 'blank'; applied: [] } | { kind: 'sockaudit'; applied: string[] };

/**
 * Whose file this is: no tables at all (a new file), sockaudit's (its migration table has
 * sockaudit's first migration), or another program's, which is refused before anything
 * (even the journal mode) is changed in it.
 */
function schemaOf(connection: BetterSqlite3.Database, location: string): Schema {
  const tables = connection
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name")
    .pluck()
    .all() as string[];
  if (tables.length === 0) return { kind: 'blank', applied: [] };
  const applied = tables.includes(MIGRATION_TABLE)
    ? (connection.prepare(`select name from ${MIGRATION_TABLE}`).pluck().all() as unknown[]).map(String)
    : [];
  if (!applied.includes(FIRST_MIGRATION)) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, ... (${tables.length} tables)` : '');
    throw new StorageError(`${location} is an SQLite database of another program (tables: ${shown}); sockaudit will not add its tables to it`);
  }
  return { kind: 'sockaudit', applied };
}

/** Reading commands never migrate: a database that needs it is named, with what to run. */
function refuseUnmigrated(applied: string[], location: string): void {
  const known = [...MIGRATION_NAMES];
  refuseNewerSchema(applied, known, location);
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length > 0) {
    throw new StorageError(
      `the database ${location} needs migration to schema ${pending.at(-1)} by this version of sockaudit, and reading commands never migrate: ` +
        'run `sockaudit snapshot` once as a user who may write it',
    );
  }
}

/**
 * Applies pending migrations inside one BEGIN IMMEDIATE transaction, so that several
 * processes opening a fresh file at once migrate it exactly once.
 */
async function migrate(db: Kysely<Database>, location: string): Promise<void> {
  const known = [...MIGRATION_NAMES];
  // cheap path for the common case: everything applied, nothing newer
  const applied = await appliedMigrations(db);
  refuseNewerSchema(applied, known, location);
  if (applied !== undefined && known.every((name) => applied.includes(name))) return;

  try {
    await inWriteTransaction(db, async (connection) => {
      // another process may have migrated while this one waited for the lock
      refuseNewerSchema(await appliedMigrations(connection), known, location);
      // the frozen migrations, rewritten where PostgreSQL needs other types (store-dialect.ts)
      const migrating = storeDialectOf(db).migrationPlugins.reduce((current, plugin) => current.withPlugin(plugin), connection);
      const migrationTableSchema = await storeDialectOf(db).migrationTableSchema(connection);
      const migrator = new MigratorRuntime({ db: migrating, provider: staticMigrations, disableTransactions: true, migrationTableSchema });
      const { error } = await migrator.migrateToLatest();
      if (error !== undefined) throw error;
    });
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(`cannot migrate the database ${location}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Names of applied migrations, or undefined when the migration table does not exist yet
 * (a new file). Asking the table directly is cheaper than introspecting the schema, and
 * any other failure shows again, with its real cause, when the migration runs.
 */
async function appliedMigrations(db: Kysely<any>): Promise<string[] | undefined> {
  if (!(await storeDialectOf(db).mayHaveTable(db, MIGRATION_TABLE))) return undefined;
  try {
    const rows = await db.selectFrom(MIGRATION_TABLE).select('name').execute();
    return rows.map((row: { name: string }) => row.name);
  } catch {
    return undefined;
  }
}

function refuseNewerSchema(applied: string[] | undefined, known: string[], location: string): void {
  const unknown = (applied ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new StorageError(
      `the database ${location} was written by a newer sockaudit (schema ${unknown.sort().at(-1)}); ` +
        `this version knows schemas up to ${known.at(-1)} and will not downgrade it: upgrade sockaudit`,
    );
  }
}

function describeFsError(error: unknown): string {
  const code = errnoCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${message})`;
  return message;
}
