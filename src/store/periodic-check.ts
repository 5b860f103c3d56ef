import { DamagedStoreError } from '../errors.js';
import { sql } from './kysely-runtime.js';
import type { Store } from './open-store.js';
import { checkPhysical } from './physical-check.js';
import { storeDialectOf } from './store-dialect.js';

/**
 * Every this many snapshots, `snapshot` runs SQLite's quick_check before writing. SQLite
 * itself stops a write only when it trips over a damaged page on its way (SQLITE_CORRUPT,
 * exit 2 pointing to verify); damage in pages that an unchanged snapshot never reads, such
 * as the processes index, would otherwise let snapshots keep landing in a damaged file.
 * Checking every snapshot would cost about as much as the snapshot itself (quick_check:
 * 160 ms on an 18 MB database of 10,000 snapshots, 56,000 versions; integrity_check 510 ms),
 * so it is done for ids that are a multiple of 32: a damaged file stops cron within 32 runs,
 * at 5 ms a snapshot on average. `verify` checks everything, every time.
 */
export const CHECK_EVERY = 32;

/** Throws DamagedStoreError when the next snapshot's id is due a check and the file fails it. */
export async function periodicCheck(store: Store): Promise<void> {
  // a server's pages are the server's to check (store-dialect.ts)
  if (!storeDialectOf(store.db).fileStore) return;
  const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'snapshots'`.execute(store.db);
  const nextId = (rows[0]?.seq ?? 0) + 1;
  if (nextId % CHECK_EVERY !== 0) return;
  const { problems } = await checkPhysical(store.db, 'quick_check');
  if (problems.length === 0) return;
  throw new DamagedStoreError(
    `the database ${store.location} is damaged (${problems[0]}${problems.length > 1 ? `, and ${problems.length - 1} more` : ''}); nothing was stored: run \`sockaudit verify\` to see what is wrong, and restore it from a backup`,
  );
}
