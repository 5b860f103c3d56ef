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
 *   dbname, a unix socket as ?host=/run/postgresql); TLS as libpq does it, from sslmode,
 *   sslrootcert, sslcert, sslkey or $PGSSLMODE... (postgres-tls.ts, which also says why
 *   not the driver's own reading of them); a missing password from $PGPASSWORD, then the
 *   password file (pgpass-file.ts), both from the command's environment;
 * - `pg` is loaded only here, so a SQLite store never pays for it.
 */
import { createRequire } from 'node:module';
import type { Kysely } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { StorageError } from '../errors.js';
import type { Database } from './database-schema.js';
import { KyselyRuntime, PostgresDialectRuntime, sql } from './kysely-runtime.js';
import { pgpassPassword } from './pgpass-file.js';
import { describeTlsError, postgresTls, withoutTlsParameters, type PostgresTls } from './postgres-tls.js';
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
  /** a warning line (a password file ignored); default: stderr, as libpq does */
  warn?: (line: string) => void;
}

/** An open PostgreSQL store connection, and how its TLS was settled (doctor reports it). */
export interface PostgresConnection {
  db: Kysely<Database>;
  location: string;
  /** the sslmode in force, and whether the connection that answered uses TLS */
  tls: { mode: PostgresTls['mode']; used: boolean; verification: PostgresTls['verification']; roots: string | null };
}

/**
 * A Kysely on the PostgreSQL database at `url`, connected (or a one-line StorageError).
 * `prefer` and `allow` make a second attempt, as libpq does, when the server refuses the
 * first: `prefer` without TLS when the server has none, `allow` with TLS when the server
 * wants it (pg_hba.conf `hostssl`).
 */
export async function connectPostgres(options: PostgresConnectOptions): Promise<PostgresConnection> {
  const location = redactPostgresUrl(options.url);
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  let settings: PostgresTls;
  try {
    settings = postgresTls({ url: options.url, env: options.env, warn });
  } catch (error) {
    throw connectError(error, location);
  }
  let ssl = settings.first;
  let { db, abandon, connected } = createKysely(options, ssl, warn);
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await abandon();
    if (settings.second === null || !refusedFirstAttempt(settings, error)) throw connectError(error, location);
    ssl = settings.second;
    ({ db, abandon, connected } = createKysely(options, ssl, warn));
    try {
      await sql`select 1`.execute(db);
    } catch (second) {
      await abandon();
      throw connectError(second, location);
    }
  }
  connected();
  return { db, location, tls: { mode: settings.mode, used: ssl !== false, verification: ssl === false ? 'none' : settings.verification, roots: ssl === false ? null : settings.roots } };
}

/** Whether the server turned the first attempt down for its TLS (or its lack of it). */
function refusedFirstAttempt(settings: PostgresTls, error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  if (settings.mode === 'prefer') return /does not support SSL/i.test(message);
  // allow: pg_hba.conf has no line for a plain connection ("no encryption"), or rejects it
  return (error as { code?: unknown }).code === '28000';
}

/**
 * A Kysely on a new pool; `abandon` ends it after a failed first connection: the driver
 * leaves the socket of a connection that failed on our side during the login (no password
 * to give) open, and the server would hold it, and this process, until its
 * authentication_timeout (60 s). `connected` stops keeping track of the clients once the
 * first connection works (a long `watch` makes new ones as idle ones close).
 */
function createKysely(
  options: PostgresConnectOptions,
  ssl: PostgresTls['first'],
  warn: (line: string) => void,
): { db: Kysely<Database>; abandon: () => Promise<void>; connected: () => void } {
  const require = createRequire(import.meta.url);
  const pg = require('pg') as typeof import('pg');
  let clients: InstanceType<typeof pg.Client>[] | null = [];
  class TrackedClient extends pg.Client {
    constructor(config?: ConstructorParameters<typeof pg.Client>[0]) {
      super(config);
      clients?.push(this);
    }
  }
  const pool = createPool(pg, TrackedClient, options, ssl, warn);
  const db = new KyselyRuntime<Database>({ dialect: withStoreDialect(new PostgresDialectRuntime({ pool }), postgresStoreDialect) });
  const abandon = async () => {
    for (const client of clients ?? []) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    await db.destroy().catch(() => undefined);
  };
  return { db, abandon, connected: () => void (clients = null) };
}

function createPool(pg: typeof import('pg'), client: typeof import('pg').Client, options: PostgresConnectOptions, ssl: PostgresTls['first'], warn: (line: string) => void): Pool {
  const timeoutSeconds = Number(options.env.PGCONNECT_TIMEOUT);
  const config: PoolConfig = {
    // the URL's settings as the driver reads a connectionString (host, port, user, dbname,
    // options, ...), taken apart here rather than passed as one: the driver lets the URL's
    // fields win over the config's, and would take the empty password of a URL without one
    // over the password function below. The ssl* parameters are postgres-tls.ts's.
    ...urlSettings(options.url),
    ssl,
    Client: client,
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
  // libpq's order: the URL's password, $PGPASSWORD, the password file; from the command's
  // environment, which tests set, not the process's (which the driver would read)
  const urlPassword = passwordInUrl(options.url);
  if (urlPassword !== undefined) {
    config.password = urlPassword;
  } else if (options.env.PGPASSWORD !== undefined && options.env.PGPASSWORD !== '') {
    config.password = options.env.PGPASSWORD;
  } else {
    // asked for only when the server wants a password, with what the driver connects to
    // (the driver passes its connection parameters, and takes undefined for "none"; its types say neither)
    let looked: { password: string | undefined } | undefined;
    const fromPgpass = async (parameters: { host?: string; port?: number; database?: string; user?: string }) => {
      looked ??= { password: pgpassPassword({ host: parameters.host, port: parameters.port, database: parameters.database, user: parameters.user }, options.env, warn) };
      return looked.password;
    };
    config.password = fromPgpass as unknown as PoolConfig['password'];
  }
  const pool = new pg.Pool(config);
  // an idle connection the server closed must not end the process; the next query reports it
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The URL (without its TLS parameters) as the driver's own parser reads it, without a
 * password and without `ssl`: both are set from elsewhere.
 */
function urlSettings(url: string): PoolConfig {
  const require = createRequire(createRequire(import.meta.url).resolve('pg'));
  const { parse } = require('pg-connection-string') as { parse: (text: string) => Record<string, unknown> };
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parse(withoutTlsParameters(url)))) {
    if (key !== 'password' && key !== 'ssl' && value !== null && value !== undefined && value !== '') settings[key] = value;
  }
  return settings as PoolConfig;
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
  if (error instanceof StorageError) return new StorageError(`cannot open the database ${location}: ${error.message}`);
  const tlsProblem = describeTlsError(error);
  if (tlsProblem !== undefined) return new StorageError(`cannot open the database ${location}: ${tlsProblem}`);
  if (error instanceof Error && /client password must be a string/i.test(error.message)) {
    return new StorageError(`cannot open the database ${location}: the server asks for a password and none was given (in the URL, $PGPASSWORD or the password file ~/.pgpass)`);
  }
  const mapped = postgresStorageError(error);
  const message = mapped instanceof Error ? mapped.message : String(mapped);
  return new StorageError(`cannot open the database ${location}: ${message}`);
}
