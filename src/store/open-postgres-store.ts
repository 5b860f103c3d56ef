/**
 * Opens a PostgreSQL store (`--db postgres://...`): the `pg` driver under Kysely's
 * PostgresDialect, with the store dialect of store-dialect.ts, and the same migrations as
 * SQLite (open-store.ts migrates both).
 *
 * The driver's traps, handled here:
 * - int8 (count(*), sum()) and numeric come back as strings: parsed to numbers, int8 only
 *   while it is a safe integer (beyond that it stays a string, and the store never makes
 *   one that large);
 * - connection settings come from the URL as libpq reads them (host, port, user, password,
 *   dbname, sslmode, sslrootcert, sslcert, sslkey, a unix socket as ?host=/run/postgresql);
 *   a missing password from $PGPASSWORD, then ~/.pgpass (the driver reads it);
 * - `pg` is loaded only here, so a SQLite store never pays for it.
 */
import { createRequire } from 'node:module';
import type { Kysely } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { StorageError } from '../errors.js';
import type { Database } from './database-schema.js';
import { KyselyRuntime, PostgresDialectRuntime, sql } from './kysely-runtime.js';
import { redactPostgresUrl } from './postgres-url.js';
import { postgresStorageError, postgresStoreDialect, withStoreDialect } from './store-dialect.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
/** seconds to wait for a connection when $PGCONNECT_TIMEOUT does not say */
const DEFAULT_CONNECT_TIMEOUT_S = 10;

export interface PostgresConnectOptions {
  url: string;
  env: NodeJS.ProcessEnv;
  /** connections in the pool (a command needs one; prune and push two) */
  maxConnections?: number;
}

/** A Kysely on the PostgreSQL database at `url`, connected (or a one-line StorageError). */
export async function connectPostgres(options: PostgresConnectOptions): Promise<{ db: Kysely<Database>; location: string }> {
  const location = redactPostgresUrl(options.url);
  const pool = createPool(options);
  const db = new KyselyRuntime<Database>({ dialect: withStoreDialect(new PostgresDialectRuntime({ pool }), postgresStoreDialect) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw connectError(error, location);
  }
  return { db, location };
}

function createPool(options: PostgresConnectOptions): Pool {
  const require = createRequire(import.meta.url);
  const pg = require('pg') as typeof import('pg');
  const timeoutSeconds = Number(options.env.PGCONNECT_TIMEOUT);
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.maxConnections ?? 2,
    connectionTimeoutMillis: 1000 * (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_CONNECT_TIMEOUT_S),
    application_name: 'sockaudit',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID && format !== 'binary') return parseInt8;
        if (oid === NUMERIC_OID && format !== 'binary') return Number;
        return pg.types.getTypeParser(oid, format);
      }) as PoolConfig['types'] extends { getTypeParser: infer F } | undefined ? F : never,
    },
  };
  // the command's environment, which tests set, not only the process's: the driver reads
  // process.env.PGPASSWORD itself
  const urlPassword = passwordInUrl(options.url);
  if (urlPassword === undefined && options.env.PGPASSWORD !== undefined && options.env.PGPASSWORD !== '') config.password = options.env.PGPASSWORD;
  const pool = new pg.Pool(config);
  // an idle connection the server closed must not end the process; the next query reports it
  pool.on('error', () => undefined);
  return pool;
}

function passwordInUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') return decodeURIComponent(parsed.password);
    return parsed.searchParams.get('password') ?? undefined;
  } catch {
    return undefined;
  }
}

/** int8 as a number while exact; the store's counts and ids never come near 2^53. */
function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

function connectError(error: unknown, location: string): StorageError {
  const mapped = postgresStorageError(error);
  const message = mapped instanceof Error ? mapped.message : String(mapped);
  return new StorageError(`cannot open the database ${location}: ${message}`);
}
