/**
 * Events of `sockaudit watch`: sockets seen opening or closing between two snapshots,
 * and the kernel's notices of events lost. Frozen in time like every migration.
 *
 * An event is tied to the snapshots around it by `after_snapshot`: the id of the host's
 * latest snapshot when the event was seen (null before the first); the snapshot after it
 * is the host's next one. No foreign key: `prune` removes snapshots, and an event keeps
 * its place in time (`seen_at`) when the snapshot before it is gone.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('watch_events')
    .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    .addColumn('host_id', 'integer', (col) => col.notNull().references('hosts.id'))
    .addColumn('after_snapshot', 'integer')
    .addColumn('seen_at', 'text', (col) => col.notNull())
    // opened | closed | short-lived | lost
    .addColumn('kind', 'text', (col) => col.notNull())
    // poll | destroy | kernel
    .addColumn('source', 'text', (col) => col.notNull())
    .addColumn('family', 'text')
    .addColumn('local_port', 'integer')
    .addColumn('remote_port', 'integer')
    // JSON: the socket record with its owners (null for a `lost` notice)
    .addColumn('record', 'text')
    // lifetime bounds, ISO times: opened after / by, closed after / by (null: unknown)
    .addColumn('opened_after', 'text')
    .addColumn('opened_by', 'text')
    .addColumn('closed_after', 'text')
    .addColumn('closed_by', 'text')
    // a `lost` notice: how many events the kernel dropped, and in which namespace
    .addColumn('lost', 'integer')
    .addColumn('netns', 'integer')
    .execute();
  await db.schema.createIndex('watch_events_host_seen_at').on('watch_events').columns(['host_id', 'seen_at']).execute();
  await db.schema.createIndex('watch_events_host_after').on('watch_events').columns(['host_id', 'after_snapshot']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('watch_events').execute();
}
