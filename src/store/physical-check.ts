import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import { sql } from './kysely-runtime.js';

/** `integrity_check` (the default) or `quick_check` (verify --quick). */
export type PhysicalCheck = 'integrity_check' | 'quick_check';

/** What ran: one of SQLite's checks, or PostgreSQL's reference check (store-dialect.ts). */
export type PhysicalCheckName = PhysicalCheck | 'references';

export interface PhysicalCheckResult {
  check: PhysicalCheckName;
  /** SQLite's own findings, at most LIMIT of each kind; empty when the file is sound */
  problems: string[];
}

/** SQLite stops after this many findings; one is enough to fail, the rest help a report. */
const LIMIT = 100;

/**
 * SQLite's own checks of the file: every page and b-tree, and (integrity_check only) that
 * every index holds exactly its table's rows and UNIQUE constraints hold; then
 * foreign_key_check, that every reference names an existing row. quick_check skips the
 * index-against-table comparison, the part that grows as N log N: it still reads every page,
 * but a damaged index entry that is itself well-formed passes it.
 */
export async function checkPhysical(db: Kysely<Database>, check: PhysicalCheck): Promise<PhysicalCheckResult> {
  const problems: string[] = [];
  try {
    // the statement form: pragma_integrity_check(N) takes N as a table name in SQLite 3.53
    const rows = await sql<Record<string, unknown>>`pragma ${sql.raw(check)}(${sql.lit(LIMIT)})`.execute(db);
    for (const row of rows.rows) {
      // SQLite's report has line breaks ("*** in database main ***\nTree 14 page 14: ..."): one line each
      const message = String(Object.values(row)[0]).replace(/\s*\n\s*/g, ' ');
      if (message !== 'ok') problems.push(`SQLite ${check}: ${message}`);
    }
  } catch (error) {
    problems.push(`SQLite ${check} stopped: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const rows = await sql<{ table: string; rowid: number | null; parent: string }>`select "table", rowid, parent from pragma_foreign_key_check limit ${sql.lit(LIMIT)}`.execute(db);
    for (const row of rows.rows) problems.push(`SQLite foreign_key_check: row ${row.rowid ?? '?'} of ${row.table} refers to a missing row of ${row.parent}`);
  } catch (error) {
    problems.push(`SQLite foreign_key_check stopped: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { check, problems };
}
