/**
 * push_refusals: every snapshot a central store refused from `sockaudit push` (a host
 * whose history forks from, or falls behind, what the central store already has; or a
 * snapshot whose hash does not recompute), with why. The central store is the witness of
 * each host's history, and a refusal is part of that record.
 *
 * Frozen in time: never edited once released, imports no application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_refusals')
    .addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
    .addColumn('host', 'text', (col) => col.notNull())
    // the refused snapshot as the host numbered it in its own store
    .addColumn('snapshot_id', 'integer', (col) => col.notNull())
    .addColumn('taken_at', 'text', (col) => col.notNull())
    .addColumn('content_hash', 'text', (col) => col.notNull())
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('refused_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('push_refusals_host').on('push_refusals').columns(['host', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('push_refusals').execute();
}
