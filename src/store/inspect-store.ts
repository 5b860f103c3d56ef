import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { errnoCode } from '../errors.js';
import type { PostgresInspection } from './inspect-postgres-store.js';
import { sqliteNativeBinding } from './open-store.js';
import { resolveStorePath } from './store-location.js';

/** What `doctor` reports of the database, looked at without creating, migrating or locking it. */
export interface StoreInspection {
  /** an SQLite file, or a PostgreSQL server (inspect-postgres-store.ts) */
  engine: 'sqlite' | 'postgresql';
  /** the file every command would open (resolved as they do: --db, $SOCKAUDIT_DB, ...); for PostgreSQL the URL without its password. */
  path: string;
  exists: boolean;
  /**
   * `current`: every migration this version knows is applied; `older`: the next write
   * migrates it; `newer`: written by a newer sockaudit, refused; `unreadable`: cannot be
   * opened or is not a sockaudit database; `missing`: created by the first snapshot.
   */
  schema: 'current' | 'older' | 'newer' | 'unreadable' | 'missing';
  /** the newest applied migration, e.g. `0001-initial-schema`; null when none. */
  schemaVersion: string | null;
  /** the newest migration this version knows. */
  knownSchemaVersion: string;
  /** why it is unreadable, when it is. */
  error: string | null;
  /** free bytes for an unprivileged writer on the file system that holds (or will hold) it; null when unknown (always for PostgreSQL: the server's). */
  freeBytes: number | null;
  /** whether this user may create or write it (its directory, or the nearest existing ancestor); for PostgreSQL, whether the role may add snapshots. */
  writable: boolean;
  /** the server, role and TLS of a PostgreSQL store; null for a file, or when it could not be reached */
  postgres: PostgresInspection | null;
}

/** The nearest existing directory at or above `directory` (where the first snapshot's mkdir starts). */
function nearestExisting(directory: string): string {
  let current = directory;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function canWrite(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Looks at the database where the other commands would: whether it exists, its schema
 * (the applied migrations, read-only: a database is never migrated by looking) and the
 * free space beside it.
 */
export function inspectStore(options: { db?: string; env: NodeJS.ProcessEnv }): StoreInspection {
  const location = resolveStorePath(options);
  const known = MIGRATION_NAMES.at(-1) ?? '';
  const exists = fs.existsSync(location);
  const directory = nearestExisting(path.dirname(location));
  let freeBytes: number | null = null;
  try {
    const stats = fs.statfsSync(directory);
    freeBytes = stats.bavail * stats.bsize;
  } catch {
    // unknown
  }
  const base = { engine: 'sqlite' as const, postgres: null, path: location, exists, knownSchemaVersion: known, freeBytes, writable: exists ? canWrite(location) && canWrite(path.dirname(location)) : canWrite(directory) };
  if (!exists) return { ...base, schema: 'missing', schemaVersion: null, error: null };
  let connection: BetterSqlite3.Database | undefined;
  try {
    connection = new BetterSqlite3(location, { readonly: true, fileMustExist: true, nativeBinding: sqliteNativeBinding() as unknown as string });
    const applied = (connection.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((row) => row.name);
    const newest = applied.at(-1) ?? null;
    const schema = applied.some((name) => !MIGRATION_NAMES.includes(name)) ? 'newer' : MIGRATION_NAMES.every((name) => applied.includes(name)) ? 'current' : 'older';
    return { ...base, schema, schemaVersion: newest, error: null };
  } catch (error) {
    const code = errnoCode(error);
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    return { ...base, schema: 'unreadable', schemaVersion: null, error: code === undefined ? message : `${code}: ${message}` };
  } finally {
    connection?.close();
  }
}
