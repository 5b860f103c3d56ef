/**
 * Where the SQL of the two stores differs, and only that: SQLite (the default, one file)
 * and PostgreSQL (`--db postgres://...`, a fleet's central store). Everything else in
 * src/store is the same Kysely query for both. Each open store's Kysely instance carries
 * its dialect (registered on its adapter), so code that only has a `Kysely` in hand asks
 * `storeDialectOf(db)` instead of testing for PostgreSQL itself.
 *
 * What differs, and why:
 * - the write lock: SQLite's `BEGIN IMMEDIATE` takes the file's one write lock up front;
 *   PostgreSQL takes a transaction-scoped advisory lock with the same meaning (one writer
 *   at a time, queued for `lock_timeout`), since snapshot ids, version ids and hash chains
 *   are assigned in commit order;
 * - ids of new version and process rows: SQLite takes max(id) + 1 under its lock (no
 *   sequence to keep); PostgreSQL draws them from the column's identity sequence, because
 *   a host's role sees only its own host's rows (row-level security), so max(id) would
 *   collide;
 * - the frozen migrations' schema: they were written for SQLite (`integer primary key`
 *   is a rowid there, 8-byte `integer` and `real`, `blob`); on PostgreSQL they run through
 *   `postgresSchemaPlugin`, which rewrites those column types as they are sent, leaving the
 *   migration files and every SQLite database exactly as they were;
 * - prune's foreign key checks, compaction and size (PRAGMAs, VACUUM, page counts) have
 *   no PostgreSQL twin: there the constraints are checked row by row as always, and the
 *   size is pg_database_size;
 * - engine errors become one-line StorageErrors (SQLITE_* codes, PostgreSQL SQLSTATEs).
 */
import type { Dialect, Kysely, KyselyPlugin, RootOperationNode } from 'kysely';
import { asDamagedStoreError, StorageError } from '../errors.js';
import { sql } from './kysely-runtime.js';
import { checkPhysical, type PhysicalCheck, type PhysicalCheckResult } from './physical-check.js';

export type StoreEngine = 'sqlite' | 'postgres';

export interface StoreDialect {
  readonly engine: StoreEngine;
  /**
   * Whether the store is one file the program owns (SQLite): only then is there a witness
   * beside it (witness.ts), an sqlite_sequence, and the periodic file check before a
   * snapshot. A PostgreSQL store is the server's; its witness is each host's own store,
   * whose chain push checks against it.
   */
  readonly fileStore: boolean;
  /**
   * verify's first step, the store as a whole. SQLite: integrity_check (or quick_check) and
   * foreign_key_check. PostgreSQL has no integrity_check: its pages are the server's to
   * check (data checksums, amcheck, which need the server's admin); verify checks there
   * that every reference resolves (constraints are enforced per row, but a superuser can
   * switch them off, e.g. session_replication_role = replica).
   */
  physicalCheck(db: Kysely<any>, check: PhysicalCheck): Promise<PhysicalCheckResult>;
  /** Begins, on this one connection, a transaction that holds the store's write lock. */
  beginWrite(connection: Kysely<any>, lockTimeoutMs: number): Promise<void>;
  /** `count` fresh ids for new rows of `table`, in the write transaction. */
  allocateIds(db: Kysely<any>, table: 'socket_versions' | 'processes', count: number): Promise<number[]>;
  /** Runs `body` with per-row foreign key checks off where that is possible (SQLite), on one connection. */
  withoutRowForeignKeyChecks<T>(connection: Kysely<any>, body: () => Promise<T>): Promise<T>;
  /** References left dangling after `withoutRowForeignKeyChecks` (none where they are checked per row). */
  danglingReferences(trx: Kysely<any>): Promise<{ table: string; parent: string }[]>;
  /**
   * A search column's text as this engine can hold it. PostgreSQL's text cannot hold NUL,
   * which an abstract unix socket name may contain past its first byte; the search column
   * `path` is only looked up (the stored content, which hashes cover, keeps every byte, as
   * JSON escapes), and a path typed on a command line never holds NUL.
   */
  searchText(value: string | null): string | null;
  /** Gives freed space back after a prune (SQLite: WAL checkpoint, VACUUM when asked). */
  compact(db: Kysely<any>, vacuum: boolean): Promise<void>;
  /** The store's size in bytes, or null when unknown. */
  storedBytes(db: Kysely<any>): Promise<number | null>;
  /**
   * Whether `table` may exist: false only when it surely does not. SQLite answers true (a
   * select that fails answers it cheaper); PostgreSQL looks, since a failed statement
   * aborts the transaction it runs in.
   */
  mayHaveTable(db: Kysely<any>, table: string): Promise<boolean>;
  /** Plugins the frozen migrations run through on this engine. */
  readonly migrationPlugins: readonly KyselyPlugin[];
  /**
   * The schema Kysely's Migrator keeps its tables in: PostgreSQL's current schema (the
   * first of search_path), named, because the Migrator looks for its tables in every
   * schema of the database and would take another schema's for this store's.
   */
  migrationTableSchema(db: Kysely<any>): Promise<string | undefined>;
  /** This engine's errors as one-line StorageErrors; anything else unchanged. */
  asStorageError(error: unknown): unknown;
}

const dialectsByAdapter = new WeakMap<object, StoreDialect>();

/** `dialect`, whose Kysely instances answer `storeDialectOf` with `store`. */
export function withStoreDialect(dialect: Dialect, store: StoreDialect): Dialect {
  return {
    createDriver: () => dialect.createDriver(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createAdapter: () => {
      const adapter = dialect.createAdapter();
      dialectsByAdapter.set(adapter, store);
      return adapter;
    },
  };
}

/** The dialect of the store `db` belongs to; SQLite for a Kysely made elsewhere (tests). */
export function storeDialectOf(db: Kysely<any>): StoreDialect {
  return dialectsByAdapter.get(db.getExecutor().adapter) ?? sqliteStoreDialect;
}

export const sqliteStoreDialect: StoreDialect = {
  engine: 'sqlite',
  fileStore: true,
  physicalCheck: (db, check) => checkPhysical(db, check),
  async beginWrite(connection) {
    // the busy timeout was set when the file was opened
    await sql`begin immediate`.execute(connection);
  },
  async allocateIds(db, table, count) {
    if (count === 0) return [];
    const row = await db.selectFrom(table).select((eb) => eb.fn.max<number | null>('id').as('max_id')).executeTakeFirstOrThrow();
    const first = (row.max_id ?? 0) + 1;
    return Array.from({ length: count }, (_, index) => first + index);
  },
  searchText(value) {
    return value;
  },
  async withoutRowForeignKeyChecks(connection, body) {
    // the pragma cannot change inside a transaction: set on this connection around it
    await sql`pragma foreign_keys = off`.execute(connection);
    try {
      return await body();
    } finally {
      await sql`pragma foreign_keys = on`.execute(connection);
    }
  },
  async danglingReferences(trx) {
    return (await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(trx)).rows;
  },
  async compact(db, vacuum) {
    if (vacuum) await sql`vacuum`.execute(db);
    // best effort: a reader still open elsewhere can keep part of the WAL alive
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  },
  async storedBytes(db) {
    // page_count x page_size: the file's size as if the WAL were folded in
    const pages = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    const size = await sql<{ page_size: number }>`pragma page_size`.execute(db);
    return Number(pages.rows[0]!.page_count) * Number(size.rows[0]!.page_size);
  },
  async mayHaveTable() {
    return true;
  },
  migrationPlugins: [],
  async migrationTableSchema() {
    return undefined;
  },
  asStorageError(error) {
    const code = engineErrorCode(error);
    if (code === undefined || !code.startsWith('SQLITE_')) return error;
    const damaged = asDamagedStoreError(error);
    if (damaged !== error) return damaged;
    const message = error instanceof Error ? error.message : code;
    if (code.startsWith('SQLITE_BUSY')) return new StorageError(`the database stayed locked by another writer for too long (${message})`);
    if (code.startsWith('SQLITE_READONLY')) return new StorageError(`the database is read-only for this user (${message})`);
    return new StorageError(`database error: ${message} (${code})`);
  },
};

/** Every foreign key of the schema: [table, column, referenced table (by id)]. */
const POSTGRES_REFERENCES: readonly [string, string, string][] = [
  ['snapshots', 'host_id', 'hosts'],
  ['processes', 'host_id', 'hosts'],
  ['socket_versions', 'host_id', 'hosts'],
  ['socket_versions', 'opened_in', 'snapshots'],
  ['socket_versions', 'closed_in', 'snapshots'],
  ['socket_owners', 'host_id', 'hosts'],
  ['socket_owners', 'version_id', 'socket_versions'],
  ['socket_owners', 'process_id', 'processes'],
  ['set_hash_heads', 'host_id', 'hosts'],
  ['set_hash_heads', 'snapshot_id', 'snapshots'],
];

/**
 * The key of the advisory lock that stands for SQLite's write lock: 'sock' 'audt' as two
 * int4s (Kysely's Migrator locks a key of its own, taken inside this one).
 */
const POSTGRES_WRITE_LOCK = [0x736f636b, 0x61756474] as const;

export const postgresStoreDialect: StoreDialect = {
  engine: 'postgres',
  fileStore: false,
  async physicalCheck(db) {
    const problems: string[] = [];
    for (const [table, column, parent] of POSTGRES_REFERENCES) {
      try {
        const rows = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} c where c.${sql.ref(column)} is not null and not exists (select 1 from ${sql.table(parent)} p where p.id = c.${sql.ref(column)})`.execute(db);
        const dangling = Number(rows.rows[0]?.n ?? 0);
        if (dangling > 0) problems.push(`PostgreSQL references: ${dangling} rows of ${table} refer by ${column} to missing rows of ${parent}`);
      } catch (error) {
        problems.push(`PostgreSQL references check of ${table}.${column} stopped: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { check: 'references', problems };
  },
  async beginWrite(connection, lockTimeoutMs) {
    await sql`begin`.execute(connection);
    // SET takes no parameters; the value is an integer we made
    await sql.raw(`set local lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`).execute(connection);
    await sql`select pg_advisory_xact_lock(${sql.lit(POSTGRES_WRITE_LOCK[0])}, ${sql.lit(POSTGRES_WRITE_LOCK[1])})`.execute(connection);
  },
  async allocateIds(db, table, count) {
    if (count === 0) return [];
    const rows = await sql<{ id: number }>`select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${count})`.execute(db);
    return rows.rows.map((row) => row.id);
  },
  searchText(value) {
    return value === null || !value.includes('\0') ? value : value.replaceAll('\0', '\uFFFD');
  },
  async withoutRowForeignKeyChecks(_connection, body) {
    return body();
  },
  async danglingReferences() {
    return [];
  },
  async compact(db, vacuum) {
    // autovacuum reclaims dead rows; VACUUM only on request (it cannot run in a transaction)
    if (vacuum) await sql`vacuum (analyze) socket_owners, socket_versions, processes, snapshots`.execute(db);
  },
  async storedBytes(db) {
    const rows = await sql<{ bytes: number }>`select pg_database_size(current_database())::float8 as bytes`.execute(db);
    return Number(rows.rows[0]!.bytes);
  },
  async mayHaveTable(db, table) {
    const rows = await sql<{ found: boolean }>`select to_regclass(${table}) is not null as found`.execute(db);
    return rows.rows[0]?.found === true;
  },
  migrationPlugins: [],
  async migrationTableSchema(db) {
    const rows = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    const schema = rows.rows[0]?.schema;
    if (schema === null || schema === undefined) throw new StorageError('the PostgreSQL search_path names no schema this role can use (set search_path, or grant usage on a schema)');
    return schema;
  },
  asStorageError(error) {
    return postgresStorageError(error);
  },
};

/**
 * PostgreSQL's errors (SQLSTATE codes: five characters) and the driver's connection errors
 * as one-line StorageErrors. Their messages never hold the password (the driver does not
 * repeat it), and the URL is never part of them.
 */
export function postgresStorageError(error: unknown): unknown {
  if (error instanceof StorageError) return error;
  const code = engineErrorCode(error);
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  if (code === undefined) {
    // the driver's own errors are plain Errors (ours have names of their own)
    if (error instanceof Error && error.name === 'Error' && /timeout|terminated|Connection|ECONN|EHOST|ENOTFOUND|EAI_|self.signed|certificate|SSL|TLS/i.test(message)) {
      return new StorageError(`cannot reach the PostgreSQL server: ${message}`);
    }
    return error;
  }
  if (code === '55P03') return new StorageError(`the database stayed locked by another writer for too long (${message})`);
  if (code === '42501') return new StorageError(`permission denied by the PostgreSQL server: ${message} (${code})`);
  if (code === '28P01' || code === '28000') return new StorageError(`the PostgreSQL server refused the login: ${message} (${code})`);
  if (code === '3D000') return new StorageError(`no such PostgreSQL database: ${message} (${code})`);
  if (/^(08|57P)/.test(code)) return new StorageError(`lost the connection to the PostgreSQL server: ${message} (${code})`);
  if (/^E[A-Z]+$/.test(code)) return new StorageError(`cannot reach the PostgreSQL server: ${message} (${code})`);
  if (/^[0-9A-Z]{5}$/.test(code)) return new StorageError(`database error: ${message} (${code})`);
  return error;
}

function engineErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Rewrites the frozen migrations' column types for PostgreSQL as they are sent:
 * - `integer` becomes `bigint` (SQLite's integers are 8 bytes: uids reach 2^32 - 1);
 * - `integer primary key` (a rowid alias in SQLite, numbered when not given) becomes an
 *   identity column (`generated by default as identity`: explicit ids still go in), and
 *   `autoincrement` (SQLite's "never reuse an id") is what a sequence does anyway;
 * - `blob` becomes `bytea`;
 * - `real` becomes `double precision`: SQLite's REAL is 8 bytes, PostgreSQL's 4, and
 *   duration_ms is covered by the snapshot hash, so it must come back exactly.
 */
export const postgresSchemaPlugin: KyselyPlugin = {
  transformQuery({ node }) {
    if (node.kind !== 'CreateTableNode') return node;
    return { ...node, columns: node.columns.map((column) => postgresColumn(column)) } as RootOperationNode;
  },
  async transformResult({ result }) {
    return result;
  },
};
(postgresStoreDialect.migrationPlugins as KyselyPlugin[]).push(postgresSchemaPlugin);

type ColumnNode = Extract<RootOperationNode, { kind: 'CreateTableNode' }>['columns'][number];

function postgresColumn(column: ColumnNode): ColumnNode {
  const type = column.dataType.kind === 'DataTypeNode' ? (column.dataType as unknown as { dataType: string }).dataType : undefined;
  const renamed = type === undefined ? undefined : POSTGRES_TYPES[type];
  let result = column;
  if (renamed !== undefined) result = { ...result, dataType: { ...column.dataType, dataType: renamed } as ColumnNode['dataType'] };
  if (type === 'integer' && column.primaryKey === true && column.references === undefined) {
    result = { ...result, autoIncrement: undefined, generated: { kind: 'GeneratedNode', identity: true, byDefault: true } } as unknown as ColumnNode;
  }
  return result;
}

/** SQLite's integer is 8 bytes (uids reach 2^32 - 1, inodes more), PostgreSQL's 4. */
const POSTGRES_TYPES: Readonly<Record<string, string>> = { integer: 'bigint', blob: 'bytea', real: 'double precision' };
