import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { freshPostgresStoreUrl, postgresAdminUrl, postgresSkipReason } from '../helpers/postgres-databases.js';

const pg = createRequire(import.meta.url)('pg') as typeof import('pg');

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'sockaudit-store-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export type BackendName = 'sqlite' | 'postgres';

/** The stores the storage suite runs against: describe.each(STORE_BACKENDS)(...). */
export interface StoreBackend {
  name: BackendName;
  /** why this backend's tests skip, or null when they run */
  skip: string | null;
}

export const STORE_BACKENDS: StoreBackend[] = [
  { name: 'sqlite', skip: null },
  { name: 'postgres', skip: postgresAdminUrl === null ? `no PostgreSQL server could be started: ${postgresSkipReason}` : null },
];

/** A fresh, empty store location for `backend`: a file path, or a PostgreSQL URL. */
export async function freshStoreLocation(backend: BackendName = 'sqlite'): Promise<{ db: string; cleanup: () => void }> {
  if (backend === 'postgres') return { db: await freshPostgresStoreUrl(), cleanup: () => undefined };
  const { dir, cleanup } = tempDir();
  return { db: path.join(dir, 'test.db'), cleanup };
}

/** A store on a new database (a file in a temporary directory, or a fresh PostgreSQL schema). */
export async function tempStore(backend: BackendName = 'sqlite'): Promise<{ store: Store; file: string; cleanup: () => Promise<void> }> {
  const { db, cleanup } = await freshStoreLocation(backend);
  const store = await openStore({ db, env: {} });
  return {
    store,
    file: db,
    cleanup: async () => {
      await store.close();
      cleanup();
    },
  };
}

/**
 * Runs each test suite once per store backend, named with it; a backend that cannot run
 * (no PostgreSQL server) skips, saying why.
 */
export function describeEachBackend(title: string, body: (backend: BackendName) => void): void {
  for (const backend of STORE_BACKENDS) {
    const name = `${title} [${backend.name}]${backend.skip === null ? '' : ` (skipped: ${backend.skip})`}`;
    describe.skipIf(backend.skip !== null)(name, () => body(backend.name));
  }
}

/**
 * Runs one statement on the store at `location` behind the application's back, as damage
 * or an attacker would, with foreign key checks off (SQLite: the pragma; PostgreSQL:
 * session_replication_role, which skips the constraint triggers); returns the rows changed.
 */
export async function rawStatement(backend: BackendName, location: string, statement: string): Promise<number> {
  if (backend === 'sqlite') {
    const raw = new BetterSqlite3(location);
    try {
      raw.pragma('foreign_keys = OFF');
      return raw.prepare(statement).run().changes;
    } finally {
      raw.close();
    }
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query('set session_replication_role = replica');
    return (await client.query(statement)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Rows of one query on the store at `location`, behind the application's back. */
export async function rawQuery<T>(backend: BackendName, location: string, query: string): Promise<T[]> {
  if (backend === 'sqlite') {
    const raw = new BetterSqlite3(location, { readonly: true });
    try {
      return raw.prepare(query).all() as T[];
    } finally {
      raw.close();
    }
  }
  // bigint read as a number, as the store's own connections do
  const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as never };
  const client = new pg.Client({ connectionString: location, types });
  await client.connect();
  try {
    return (await client.query(query)).rows as T[];
  } finally {
    await client.end();
  }
}
