import type { Kysely } from 'kysely';
import { IntegrityError } from '../errors.js';
import type { InventoryWarning } from '../model/socket-record.js';
import type { Database } from './database-schema.js';
import { sql } from './kysely-runtime.js';
import type { Store } from './open-store.js';
import { compareWithWitness, databaseHeads, highestWitnessId, isWitnessProblem } from './witness-check.js';
import { readWitness, writeWitness } from './witness.js';
import { storeDialectOf } from './store-dialect.js';
import { inWriteTransaction } from './write-transaction.js';

/**
 * What `snapshot` does with the witness, under the write lock before it writes: a database
 * behind its witness (or not matching it) is refused with exit 1, or, with --accept-loss,
 * written to with the loss recorded as a warning of the new snapshot (which its hash
 * covers, so the record cannot be dropped quietly). Either way new ids continue above every
 * id the witness knows: sqlite_sequence rolls back with the lost commits, and a reused id
 * would make `show 23` name another snapshot than the one a report quoted.
 *
 * @returns the warnings to add to the snapshot (empty unless a loss was accepted)
 */
export function witnessGuard(location: string, acceptLoss: boolean): (db: Kysely<Database>) => Promise<InventoryWarning[]> {
  return async (db) => {
    if (!storeDialectOf(db).fileStore) return []; // no witness beside a server's store
    const witness = readWitness(location);
    if (witness === null) return [];
    const problems = (await compareWithWitness(db, witness)).filter(isWitnessProblem);
    await sql`update sqlite_sequence set seq = ${highestWitnessId(witness)} where name = 'snapshots' and seq < ${highestWitnessId(witness)}`.execute(db);
    await sql`insert into sqlite_sequence (name, seq) select 'snapshots', ${highestWitnessId(witness)} where not exists (select 1 from sqlite_sequence where name = 'snapshots')`.execute(db);
    if (problems.length === 0) return [];
    if (!acceptLoss) {
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new IntegrityError(
        `${problems[0]!.message}${more}; nothing was stored: run \`sockaudit verify\`, and \`sockaudit snapshot --accept-loss\` to record the loss and go on`,
      );
    }
    return problems.map((problem) => ({ code: 'history-lost', message: `${problem.message} (accepted with --accept-loss)`, count: 1 }));
  };
}

/**
 * Rewrites the witness with every host's newest snapshot, after a commit. It reads the heads
 * under the write lock (an empty write transaction) so that concurrent snapshots write their
 * witnesses in commit order and the last one names the newest heads.
 */
export async function recordWitness(store: Store): Promise<void> {
  if (!storeDialectOf(store.db).fileStore) return;
  await inWriteTransaction(store.db, async (db) => {
    writeWitness(store.location, await databaseHeads(db));
  });
}
