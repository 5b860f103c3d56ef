/**
 * The fleet's security model on a central PostgreSQL store (README, "Fleet"): each host
 * logs in with a role of its own that may add its own snapshots and nothing else, enforced
 * by PostgreSQL with grants and row-level security, so that a compromised host can neither
 * rewrite its own past nor read or touch any other host's.
 *
 * - `sockaudit_host` (group, no login): every host's role is a member. SELECT and INSERT on
 *   the history tables, filtered by row-level security to the rows of the host the role is
 *   mapped to (fleet_host_roles); no DELETE anywhere; UPDATE only where the change-only
 *   format appends by updating: a socket version's closed_in may go from NULL to the host's
 *   latest snapshot (closing it there, as a later snapshot does), never back, never again;
 *   and the host's set hash head, a cache that is checked against the hashed history before
 *   every use and never read by verify.
 * - `sockaudit_reader` (group, no login): reviewers' roles; SELECT on everything.
 * - the admin (the role that ran `fleet init`) owns the tables and bypasses row-level security.
 *
 * Limits, said in the README too: a host role can still add false snapshots of its own host
 * (the store records what the host reports); it can hold the store's write lock and make
 * the other hosts' writes wait (lock_timeout); and anyone with the admin role can change
 * everything.
 */
import { StorageError } from '../errors.js';
import { sql } from './kysely-runtime.js';
import type { Store } from './open-store.js';
import { storeDialectOf } from './store-dialect.js';

export const HOST_GROUP_ROLE = 'sockaudit_host';
export const READER_GROUP_ROLE = 'sockaudit_reader';

/** Tables whose rows belong to one host by host_id. */
const HOST_ID_TABLES = ['snapshots', 'processes', 'socket_versions', 'socket_owners', 'set_hash_heads', 'watch_events'] as const;

function requirePostgres(store: Store): void {
  if (storeDialectOf(store.db).engine !== 'postgres') throw new StorageError('fleet roles need a PostgreSQL store: pass --db postgres://admin@host/db');
}

/**
 * Creates (or brings up to date) the roles, the host-to-role map and the policies. Run as
 * the store's owner; safe to run again.
 */
export async function initFleet(store: Store): Promise<{ schema: string }> {
  requirePostgres(store);
  const db = store.db;
  const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema;
  await db.transaction().execute(async (trx) => {
    for (const role of [HOST_GROUP_ROLE, READER_GROUP_ROLE]) {
      // roles are the cluster's, not the database's: another fleet database may have made them
      await sql`do $$ begin create role ${sql.id(role)} nologin; exception when duplicate_object then null; end $$`.execute(trx);
    }
    await sql`create table if not exists fleet_host_roles (host text primary key, role name not null unique)`.execute(trx);
    await sql`revoke all on fleet_host_roles from public`.execute(trx);
    // the host the calling role stands for; definer's rights, so that no host reads the map
    await sql`create or replace function sockaudit_role_host() returns text language sql stable security definer
      set search_path = ${sql.id(schema)}, pg_temp as $$ select host from fleet_host_roles where role = session_user $$`.execute(trx);
    await sql`create or replace function sockaudit_role_host_id() returns bigint language sql stable security definer
      set search_path = ${sql.id(schema)}, pg_temp as $$ select h.id from hosts h join fleet_host_roles r on r.host = h.name where r.role = session_user $$`.execute(trx);
    await sql`revoke all on function sockaudit_role_host(), sockaudit_role_host_id() from public`.execute(trx);
    await sql`grant execute on function sockaudit_role_host(), sockaudit_role_host_id() to ${sql.id(HOST_GROUP_ROLE)}`.execute(trx);
    await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(HOST_GROUP_ROLE)}, ${sql.id(READER_GROUP_ROLE)}`.execute(trx);

    const history = ['hosts', ...HOST_ID_TABLES, 'push_refusals'];
    for (const table of history) {
      await sql`alter table ${sql.id(table)} enable row level security`.execute(trx);
      await sql`revoke all on ${sql.id(table)} from ${sql.id(HOST_GROUP_ROLE)}, ${sql.id(READER_GROUP_ROLE)}`.execute(trx);
      await sql`grant select on ${sql.id(table)} to ${sql.id(READER_GROUP_ROLE)}`.execute(trx);
      await sql`grant select, insert on ${sql.id(table)} to ${sql.id(HOST_GROUP_ROLE)}`.execute(trx);
      await dropPolicies(trx, table);
      await sql`create policy sockaudit_reader_reads on ${sql.id(table)} for select to ${sql.id(READER_GROUP_ROLE)} using (true)`.execute(trx);
    }
    await sql`create policy sockaudit_host_reads on hosts for select to ${sql.id(HOST_GROUP_ROLE)} using (name = sockaudit_role_host())`.execute(trx);
    await sql`create policy sockaudit_host_adds on hosts for insert to ${sql.id(HOST_GROUP_ROLE)} with check (name = sockaudit_role_host())`.execute(trx);
    await sql`create policy sockaudit_host_reads on push_refusals for select to ${sql.id(HOST_GROUP_ROLE)} using (host = sockaudit_role_host())`.execute(trx);
    await sql`create policy sockaudit_host_adds on push_refusals for insert to ${sql.id(HOST_GROUP_ROLE)} with check (host = sockaudit_role_host())`.execute(trx);
    for (const table of HOST_ID_TABLES) {
      await sql`create policy sockaudit_host_reads on ${sql.id(table)} for select to ${sql.id(HOST_GROUP_ROLE)} using (host_id = sockaudit_role_host_id())`.execute(trx);
      await sql`create policy sockaudit_host_adds on ${sql.id(table)} for insert to ${sql.id(HOST_GROUP_ROLE)} with check (host_id = sockaudit_role_host_id())`.execute(trx);
    }
    // closing an open version at the host's latest snapshot is how the next snapshot says it is gone
    await sql`grant update (closed_in) on socket_versions to ${sql.id(HOST_GROUP_ROLE)}`.execute(trx);
    await sql`create policy sockaudit_host_closes on socket_versions for update to ${sql.id(HOST_GROUP_ROLE)}
      using (host_id = sockaudit_role_host_id() and closed_in is null)
      with check (host_id = sockaudit_role_host_id() and closed_in = (select max(s.id) from snapshots s where s.host_id = sockaudit_role_host_id()))`.execute(trx);
    // the set hash head is a cache, checked before use (set-hash-head.ts)
    await sql`grant update (snapshot_id, state) on set_hash_heads to ${sql.id(HOST_GROUP_ROLE)}`.execute(trx);
    await sql`create policy sockaudit_host_moves_head on set_hash_heads for update to ${sql.id(HOST_GROUP_ROLE)}
      using (host_id = sockaudit_role_host_id()) with check (host_id = sockaudit_role_host_id())`.execute(trx);
    // new ids come from the identity sequences (store-dialect.ts)
    await sql`grant usage on all sequences in schema ${sql.id(schema)} to ${sql.id(HOST_GROUP_ROLE)}`.execute(trx);
    // opening the store reads which migrations are applied
    for (const table of ['kysely_migration', 'kysely_migration_lock']) {
      await sql`grant select on ${sql.id(table)} to ${sql.id(HOST_GROUP_ROLE)}, ${sql.id(READER_GROUP_ROLE)}`.execute(trx);
    }
  });
  return { schema };
}

async function dropPolicies(trx: Store['db'], table: string): Promise<void> {
  const policies = await sql<{ policyname: string }>`select policyname from pg_policies where schemaname = current_schema() and tablename = ${table}`.execute(trx);
  for (const { policyname } of policies.rows) await sql`drop policy ${sql.id(policyname)} on ${sql.id(table)}`.execute(trx);
}

/**
 * The login role for host `host`: its name is `sockaudit_` and the host name made safe,
 * with a short hash of the exact name so that two names never share a role.
 *
 * @example hostRoleName('web-7.example.com') -> 'sockaudit_web_7_example_com_' + 8 hex digits
 */
export function hostRoleName(host: string, digest: (text: string) => string): string {
  const safe = host.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
  return `sockaudit_${safe}_${digest(host).slice(0, 8)}`;
}

/**
 * Creates (or updates) the login role of host `host`, mapped to it and a member of
 * sockaudit_host; with `password` when given (quoted by the server, never by us).
 */
export async function addFleetHost(store: Store, host: string, role: string, password: string | null): Promise<void> {
  requirePostgres(store);
  await store.db.transaction().execute(async (trx) => {
    const exists = await sql<{ found: boolean }>`select exists (select 1 from pg_roles where rolname = ${role}) as found`.execute(trx);
    if (exists.rows[0]?.found !== true) await sql`create role ${sql.id(role)} login`.execute(trx);
    await sql`grant ${sql.id(HOST_GROUP_ROLE)} to ${sql.id(role)}`.execute(trx);
    if (password !== null) {
      const statement = await sql<{ text: string }>`select format('alter role %I password %L', ${role}::text, ${password}::text) as text`.execute(trx);
      await sql.raw(statement.rows[0]!.text).execute(trx);
    }
    const taken = await sql<{ host: string }>`select host from fleet_host_roles where role = ${role} and host <> ${host}`.execute(trx);
    if (taken.rows.length > 0) throw new StorageError(`the role ${role} already stands for another host`);
    await sql`insert into fleet_host_roles (host, role) values (${host}, ${role}) on conflict (host) do update set role = excluded.role`.execute(trx);
  });
}
