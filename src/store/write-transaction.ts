import type { Kysely } from 'kysely';
import { sql } from './kysely-runtime.js';
import { asDamagedStoreError, StorageError } from '../errors.js';
import type { Database } from './database-schema.js';

/**
 * Runs `body` in one write transaction that takes the database's write lock up front
 * (SQLite BEGIN IMMEDIATE). Taking it at the start, rather than at the first write, is
 * what lets overlapping cron runs queue on the busy timeout: a deferred transaction that
 * read first and then writes fails at once with SQLITE_BUSY when another writer got in
 * between. Either everything in `body` lands or nothing does.
 */
export async function inWriteTransaction<T>(db: Kysely<Database>, body: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    try {
      await sql`begin immediate`.execute(connection);
    } catch (error) {
      throw asStorageError(error);
    }
    try {
      const result = await body(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw asStorageError(error);
    }
  });
}

/** SQLite's own errors (busy, full disk, read-only file) become one-line StorageErrors. */
export function asStorageError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || !('code' in error)) return error;
  const code = String((error as { code: unknown }).code);
  if (!code.startsWith('SQLITE_')) return error;
  const damaged = asDamagedStoreError(error);
  if (damaged !== error) return damaged;
  const message = error instanceof Error ? error.message : code;
  if (code.startsWith('SQLITE_BUSY')) return new StorageError(`the database stayed locked by another writer for too long (${message})`);
  if (code.startsWith('SQLITE_READONLY')) return new StorageError(`the database is read-only for this user (${message})`);
  return new StorageError(`database error: ${message} (${code})`);
}
