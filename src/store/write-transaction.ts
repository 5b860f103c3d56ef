import type { Kysely } from 'kysely';
import { sql } from './kysely-runtime.js';
import type { Database } from './database-schema.js';
import { postgresStoreDialect, sqliteStoreDialect, storeDialectOf } from './store-dialect.js';

/** How long a writer waits for another (PostgreSQL; SQLite's busy timeout is set at open). */
export const WRITE_LOCK_TIMEOUT_MS = 30_000;

/**
 * Runs `body` in one write transaction that takes the database's write lock up front
 * (SQLite BEGIN IMMEDIATE; PostgreSQL an advisory lock, store-dialect.ts). Taking it at the start, rather than at the first write, is
 * what lets overlapping cron runs queue on the busy timeout: a deferred transaction that
 * read first and then writes fails at once with SQLITE_BUSY when another writer got in
 * between. Either everything in `body` lands or nothing does.
 */
export async function inWriteTransaction<T>(db: Kysely<Database>, body: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const dialect = storeDialectOf(db);
  return db.connection().execute(async (connection) => {
    try {
      await dialect.beginWrite(connection, WRITE_LOCK_TIMEOUT_MS);
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw dialect.asStorageError(error);
    }
    try {
      const result = await body(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw dialect.asStorageError(error);
    }
  });
}

/** The store's own errors (busy, damage, full disk, read-only file, lost connection) become one-line StorageErrors. */
export function asStorageError(error: unknown, db?: Kysely<Database>): unknown {
  if (db !== undefined) return storeDialectOf(db).asStorageError(error);
  const sqlite = sqliteStoreDialect.asStorageError(error);
  return sqlite !== error ? sqlite : postgresStoreDialect.asStorageError(error);
}
