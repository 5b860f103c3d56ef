import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely, MigrationProvider } from 'kysely';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { errnoCode, StorageError } from '../errors.js';
import type { Database } from './database-schema.js';
import { KyselyRuntime, MigratorRuntime, SqliteDialectRuntime } from './kysely-runtime.js';
import { resolveStorePath } from './store-location.js';
import { inWriteTransaction } from './write-transaction.js';

/** An open database. Everything in src/store takes one of these. */
export interface Store {
  readonly db: Kysely<Database>;
  /** the file (or URL) it was opened from, for messages */
  readonly location: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** --db PATH */
  db?: string;
  env: NodeJS.ProcessEnv;
  /** do not create a missing database: fail with "no database" instead */
  readOnly?: boolean;
  /** how long to wait for another writer, in ms (cron jobs overlap) */
  busyTimeoutMs?: number;
}

const MIGRATION_TABLE = 'kysely_migration';
/** The static index, imported only when a migration is pending. */
const staticMigrations: MigrationProvider = {
  getMigrations: async () => ({ ...(await import('../../migrations/index.js')).MIGRATIONS }),
};

/** Whether a database already exists where openStore would look, e.g. for "no snapshots yet". */
export function storeExists(options: Pick<OpenStoreOptions, 'db' | 'env'>): boolean {
  return fs.existsSync(resolveStorePath(options));
}

/**
 * Opens (creating when missing, mode 0600, parent directory 0700) the database: WAL,
 * foreign keys on, a busy timeout so overlapping cron runs wait rather than fail, and every
 * pending migration applied. A database written by a newer sockaudit is refused.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.db !== undefined && /^postgres(ql)?:\/\//.test(options.db)) {
    throw new StorageError('PostgreSQL databases are not supported by this version yet; use a file path for --db');
  }
  const location = resolveStorePath(options);
  const existed = fs.existsSync(location);
  if (!existed && options.readOnly === true) {
    throw new StorageError(`no database at ${location} (run \`sockaudit snapshot\` first, or pass --db)`);
  }
  const connection = openSqlite(location, options.busyTimeoutMs ?? 30_000);
  const db: Kysely<Database> = new KyselyRuntime<Database>({ dialect: new SqliteDialectRuntime({ database: connection }) });
  try {
    await migrate(db, location);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, location, close: () => db.destroy() };
}

/**
 * better-sqlite3's compiled addon, named to it directly: its default lookup (the
 * `bindings` package) probes a list of build directories and reads the call stack to
 * find its own package first.
 */
export function sqliteAddonPath(): string {
  return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
}

function openSqlite(location: string, busyTimeoutMs: number): BetterSqlite3.Database {
  try {
    fs.mkdirSync(path.dirname(location), { recursive: true, mode: 0o700 });
    // create the file ourselves so that it is never readable by others, even for a moment;
    // SQLite gives the -wal and -shm files the same permissions
    fs.closeSync(fs.openSync(location, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
  } catch (error) {
    throw new StorageError(`cannot create the database ${location}: ${describeFsError(error)}`);
  }
  let connection: BetterSqlite3.Database;
  try {
    connection = new BetterSqlite3(location, { timeout: busyTimeoutMs, nativeBinding: sqliteAddonPath() });
  } catch (error) {
    throw new StorageError(`cannot open the database ${location}: ${describeFsError(error)}`);
  }
  try {
    // journal_mode is persistent; only switch when needed, since switching takes a lock
    if (connection.pragma('journal_mode', { simple: true }) !== 'wal') connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
    // WAL makes NORMAL durable against crashes of the program (not of the machine), which is
    // what a killed cron run needs; a lost last snapshot on power loss is acceptable
    connection.pragma('synchronous = NORMAL');
    return connection;
  } catch (error) {
    connection.close();
    throw new StorageError(`cannot open the database ${location}: ${describeFsError(error)}`);
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
      const migrator = new MigratorRuntime({ db: connection, provider: staticMigrations, disableTransactions: true });
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
