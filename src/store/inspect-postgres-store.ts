/**
 * What `doctor` reports of a PostgreSQL store (`--db postgres://...`), looked at without
 * creating, migrating or locking anything: whether it connects (or the one-line reason,
 * the password never in it), the server's version, the store's schema (migrations applied
 * against those this version knows), the role and what it may do (the admin who owns the
 * tables, a host's role from `fleet add-host`, a reviewer's), and whether the connection
 * uses TLS and how it checked the server. Free space is the server's: not looked at.
 */
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';
import { HOST_GROUP_ROLE, READER_GROUP_ROLE } from './fleet-roles.js';
import type { StoreInspection } from './inspect-store.js';
import { sql } from './kysely-runtime.js';
import { connectPostgres, type PostgresConnection } from './open-postgres-store.js';
import { redactPostgresUrl } from './postgres-url.js';

/**
 * The role's part in the store: `owner` (the admin that ran `fleet init`, or the role that
 * created the store, or a superuser: may migrate), `host` (a member of sockaudit_host:
 * writes its own host's snapshots only), `reader` (a member of sockaudit_reader: reads
 * only), `other` (none of these).
 */
export type PostgresRoleKind = 'owner' | 'host' | 'reader' | 'other';

export interface PostgresInspection {
  /** `server_version`, e.g. `16.10 (Debian 16.10-1)` */
  serverVersion: string;
  role: string;
  roleKind: PostgresRoleKind;
  /** for a host role: the host it stands for (null when the map does not name it) */
  roleHost: string | null;
  /** the schema the store is in (the first of search_path) */
  schema: string | null;
  /** migrations applied in the store, of those this version knows (and any it does not: `newer`) */
  migrations: { applied: number; known: number };
  /** connected through a unix socket (where TLS never applies) */
  unixSocket: boolean;
  tls: {
    /** whether this connection is encrypted */
    used: boolean;
    /** the sslmode in force (the URL's, $PGSSLMODE, or libpq's default `prefer`) */
    mode: string;
    verification: 'none' | 'chain' | 'chain and host name';
    /** where the trusted roots came from: a file, `system`, or null */
    roots: string | null;
    /** e.g. TLSv1.3, and the cipher, from pg_stat_ssl */
    protocol: string | null;
    cipher: string | null;
  };
}

/** Looks at the PostgreSQL store at `url`; a failure to connect is an `unreadable` inspection. */
export async function inspectPostgresStore(url: string, env: NodeJS.ProcessEnv): Promise<StoreInspection> {
  const known = MIGRATION_NAMES.at(-1) ?? '';
  const base = { engine: 'postgresql' as const, path: redactPostgresUrl(url), knownSchemaVersion: known, freeBytes: null };
  let connection: PostgresConnection;
  try {
    connection = await connectPostgres({ url, env, maxConnections: 1 });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/^cannot open the database \S+: /, '');
    return { ...base, exists: false, schema: 'unreadable', schemaVersion: null, error: message.slice(0, 400), writable: false, postgres: null };
  }
  const { db } = connection;
  try {
    const facts = (
      await sql<{ version: string; role: string; schema: string | null; superuser: boolean; unix_socket: boolean; ssl: boolean | null; protocol: string | null; cipher: string | null }>`
        select current_setting('server_version') as version, current_user as role, current_schema() as schema,
          (select rolsuper from pg_roles where rolname = current_user) as superuser, inet_server_addr() is null as unix_socket,
          s.ssl as ssl, s.version as protocol, s.cipher as cipher
        from (select 1) one left join pg_stat_ssl s on s.pid = pg_backend_pid()`.execute(db)
    ).rows[0]!;
    const hasMigrations = (await sql<{ found: boolean }>`select to_regclass('kysely_migration') is not null as found`.execute(db)).rows[0]!.found;
    let applied: string[] = [];
    let readError: string | null = null;
    if (hasMigrations) {
      try {
        applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((row) => row.name);
      } catch (error) {
        readError = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
      }
    }
    const roleKind = await roleKindOf(db, facts.superuser);
    const roleHost = roleKind === 'host' ? await hostOfRole(db) : null;
    const writable = await mayWrite(db, hasMigrations);
    const postgres: PostgresInspection = {
      serverVersion: facts.version.slice(0, 200),
      role: facts.role,
      roleKind,
      roleHost,
      schema: facts.schema,
      migrations: { applied: applied.length, known: MIGRATION_NAMES.length },
      unixSocket: facts.unix_socket,
      tls: { used: facts.ssl === true, mode: connection.tls.mode, verification: connection.tls.verification, roots: connection.tls.roots, protocol: facts.protocol, cipher: facts.cipher },
    };
    const common = { ...base, exists: applied.length > 0, writable, postgres };
    if (readError !== null) return { ...common, exists: true, schema: 'unreadable', schemaVersion: null, error: `cannot read its migrations: ${readError}` };
    if (applied.length === 0) return { ...common, schema: 'missing', schemaVersion: null, error: null };
    const schema = applied.some((name) => !MIGRATION_NAMES.includes(name)) ? 'newer' : MIGRATION_NAMES.every((name) => applied.includes(name)) ? 'current' : 'older';
    return { ...common, schema, schemaVersion: applied.at(-1) ?? null, error: null };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 400);
    return { ...base, exists: false, schema: 'unreadable', schemaVersion: null, error: message, writable: false, postgres: null };
  } finally {
    await db.destroy();
  }
}

/** Owner of the store's tables (or a superuser), else by group membership. */
async function roleKindOf(db: PostgresConnection['db'], superuser: boolean): Promise<PostgresRoleKind> {
  if (superuser) return 'owner';
  const rows = await sql<{ owner: boolean | null; host: boolean | null; reader: boolean | null; create: boolean }>`
    select
      (select pg_has_role(current_user, t.tableowner, 'MEMBER') from pg_tables t
        where t.schemaname = current_schema() and t.tablename = 'kysely_migration') as owner,
      (select pg_has_role(current_user, r.oid, 'MEMBER') from pg_roles r where r.rolname = ${HOST_GROUP_ROLE}) as host,
      (select pg_has_role(current_user, r.oid, 'MEMBER') from pg_roles r where r.rolname = ${READER_GROUP_ROLE}) as reader,
      coalesce(has_schema_privilege(current_schema(), 'CREATE'), false) as create`.execute(db);
  const row = rows.rows[0]!;
  if (row.owner === true) return 'owner';
  if (row.host === true) return 'host';
  if (row.reader === true) return 'reader';
  // no store yet: whoever may create it in this schema will own it
  if (row.owner === null && row.create) return 'owner';
  return 'other';
}

/** The host a host role stands for, through the definer's function `fleet init` made. */
async function hostOfRole(db: PostgresConnection['db']): Promise<string | null> {
  try {
    return (await sql<{ host: string | null }>`select sockaudit_role_host() as host`.execute(db)).rows[0]?.host ?? null;
  } catch {
    return null;
  }
}

/** Whether a snapshot could be written: INSERT on snapshots, or, with no store yet, CREATE in the schema. */
async function mayWrite(db: PostgresConnection['db'], hasStore: boolean): Promise<boolean> {
  const rows = hasStore
    ? await sql<{ ok: boolean | null }>`select has_table_privilege('snapshots', 'INSERT') and has_table_privilege('socket_versions', 'INSERT') as ok`.execute(db).catch(() => ({ rows: [{ ok: false }] }))
    : await sql<{ ok: boolean | null }>`select coalesce(has_schema_privilege(current_schema(), 'CREATE'), false) as ok`.execute(db);
  return rows.rows[0]?.ok === true;
}
