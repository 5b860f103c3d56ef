/**
 * The first schema: hosts, snapshots, processes, change-only socket versions and their
 * owners. Frozen in time: a migration never imports application code, and once released it
 * is never edited (a schema change is a new file). Written with Kysely's schema builder only
 * so that the same file serves PostgreSQL.
 *
 * Sizes matter here: a busy host writes a version row for every socket that changes, so
 * version rows carry small integers (host_id, snapshot ids) rather than repeated text, and
 * indexes are partial where only some rows are ever looked up.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hosts')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .execute();

  await db.schema
    .createTable('snapshots')
    // autoincrement: a snapshot id is never reused, so `show 42` keeps meaning one thing
    .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id'))
    .addColumn('taken_at', 'text', (col) => col.notNull())
    .addColumn('boot_id', 'text')
    .addColumn('kernel', 'text')
    .addColumn('label', 'text')
    .addColumn('tool_version', 'text', (col) => col.notNull())
    .addColumn('proc_root', 'text', (col) => col.notNull())
    .addColumn('duration_ms', 'real', (col) => col.notNull())
    .addColumn('socket_count', 'integer', (col) => col.notNull())
    // JSON: InventoryWarning[], NamespaceInfo[], [low, high] | null
    .addColumn('warnings', 'text', (col) => col.notNull())
    .addColumn('namespaces', 'text', (col) => col.notNull())
    .addColumn('ephemeral_ports', 'text')
    .addColumn('content_hash', 'text', (col) => col.notNull())
    .addColumn('prev_hash', 'text')
    .execute();
  await db.schema.createIndex('snapshots_host_id').on('snapshots').columns(['host_id', 'id']).execute();
  await db.schema.createIndex('snapshots_host_taken_at').on('snapshots').columns(['host_id', 'taken_at']).execute();
  await db.schema.createIndex('snapshots_host_label').on('snapshots').columns(['host_id', 'label']).where(sql.ref('label'), 'is not', null).execute();

  // one row per distinct owner description (pid, comm, exe, cmdline, uid, user), shared by
  // every socket version that process held
  await db.schema
    .createTable('processes')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id'))
    // hex SHA-256 prefix of the description; NULLs make a plain unique index useless
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('comm', 'text')
    .addColumn('exe', 'text')
    .addColumn('cmdline', 'text')
    .addColumn('uid', 'integer')
    .addColumn('user', 'text')
    .execute();
  await db.schema.createIndex('processes_host_fingerprint').on('processes').columns(['host_id', 'fingerprint']).unique().execute();
  await db.schema.createIndex('processes_exe').on('processes').column('exe').execute();

  // a socket version is one socket instance with one content, alive from snapshot
  // opened_in up to (excluding) closed_in; snapshot N is every version of its host with
  // opened_in <= N and (closed_in is null or closed_in > N).
  //
  // The record itself is one JSON text column: reading 50,000 rows of one text column and
  // parsing it is several times faster than reading twenty columns (show of a large
  // snapshot must take well under a second), and it keeps each row small. The columns
  // history searches by are repeated beside it, indexed.
  await db.schema
    .createTable('socket_versions')
    .addColumn('id', 'integer', (col) => col.primaryKey())
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id'))
    .addColumn('opened_in', 'integer', (col) => col.notNull().references('snapshots.id'))
    .addColumn('closed_in', 'integer', (col) => col.references('snapshots.id'))
    // short hash of the record with its owners: what the next snapshot compares with
    .addColumn('digest', 'text', (col) => col.notNull())
    // JSON array of the record's fields, owners and queues aside (see the application's
    // version-content encoder; this migration only fixes that it is text)
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('family', 'text', (col) => col.notNull())
    .addColumn('local_port', 'integer')
    .addColumn('remote_port', 'integer')
    .addColumn('path', 'text')
    .execute();
  // open versions with their digests, read whole by every snapshot (a covering index, and
  // partial: a version leaves it when it closes)
  await db.schema
    .createIndex('socket_versions_open_digest')
    .on('socket_versions')
    .columns(['host_id', 'digest'])
    .where(sql.ref('closed_in'), 'is', null)
    .execute();
  // versions closed by a snapshot, or after it (older snapshots), and open ones (IS NULL)
  await db.schema.createIndex('socket_versions_closed').on('socket_versions').columns(['host_id', 'closed_in']).execute();
  // versions opened by a snapshot: verify and prune walk snapshots one by one
  await db.schema.createIndex('socket_versions_opened').on('socket_versions').columns(['host_id', 'opened_in']).execute();
  // history by port or path, without reconstructing snapshots
  await db.schema.createIndex('socket_versions_local_port').on('socket_versions').columns(['local_port']).execute();
  await db.schema
    .createIndex('socket_versions_path')
    .on('socket_versions')
    .columns(['path'])
    .where(sql.ref('path'), 'is not', null)
    .execute();

  await db.schema
    .createTable('socket_owners')
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id'))
    .addColumn('version_id', 'integer', (col) => col.notNull().references('socket_versions.id').onDelete('cascade'))
    .addColumn('process_id', 'integer', (col) => col.notNull().references('processes.id'))
    .addColumn('fd', 'integer', (col) => col.notNull())
    .execute();
  // covering: a snapshot's owner links are read from the index alone
  await db.schema.createIndex('socket_owners_version').on('socket_owners').columns(['version_id', 'process_id', 'fd']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['socket_owners', 'socket_versions', 'processes', 'snapshots', 'hosts']) {
    await db.schema.dropTable(table).execute();
  }
}
