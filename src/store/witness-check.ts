import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import type { Witness, WitnessHead } from './witness.js';

/**
 * How one head of the witness compares with the database:
 * - `match`: the database holds that snapshot, same host and hash, and nothing newer;
 * - `older`: it holds it and newer ones (the witness was not rewritten after the last
 *   snapshot: a run killed in between, or a database copied without its witness);
 * - `pruned`: the snapshot is older than the host's oldest kept one (nothing to compare);
 * - `missing`: the database lost it (it is behind its witness);
 * - `altered`: a snapshot with that id exists but is another one (another host or hash).
 */
export type WitnessStatus = 'match' | 'older' | 'pruned' | 'missing' | 'altered';

export interface WitnessFinding {
  head: WitnessHead;
  status: WitnessStatus;
  /** one line saying what was found; host names are raw (escapeText where it is printed) */
  message: string;
}

/** The first 16 hex digits of a hash: enough to tell snapshots apart in a message. */
export function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 16)}…` : hash;
}

/** Whether a finding means history was lost or altered (verify fails, snapshot refuses). */
export function isWitnessProblem(finding: WitnessFinding): boolean {
  return finding.status === 'missing' || finding.status === 'altered';
}

/** Each host's newest snapshot (id and hash), as the witness records it. */
export async function databaseHeads(db: Kysely<Database>): Promise<WitnessHead[]> {
  const rows = await db
    .selectFrom('snapshots as s')
    .innerJoin('hosts as h', 'h.id', 's.host_id')
    .select(['h.name as host', 's.id', 's.content_hash as hash'])
    .where('s.id', 'in', db.selectFrom('snapshots').select((eb) => eb.fn.max<number>('id').as('id')).groupBy('host_id'))
    .orderBy('h.name')
    .execute();
  return rows.map((row) => ({ host: row.host, id: row.id, hash: row.hash }));
}

/** The highest snapshot id the witness knows: new snapshots must get higher ids. */
export function highestWitnessId(witness: Witness): number {
  return witness.heads.reduce((highest, head) => Math.max(highest, head.id), 0);
}

export async function compareWithWitness(db: Kysely<Database>, witness: Witness): Promise<WitnessFinding[]> {
  const findings: WitnessFinding[] = [];
  for (const head of witness.heads) {
    const named = `snapshot #${head.id} of host ${head.host} (hash ${shortHash(head.hash)})`;
    const stored = await db
      .selectFrom('snapshots as s')
      .innerJoin('hosts as h', 'h.id', 's.host_id')
      .select(['h.name as host', 's.content_hash as hash'])
      .where('s.id', '=', head.id)
      .executeTakeFirst();
    const range = await db
      .selectFrom('snapshots as s')
      .innerJoin('hosts as h', 'h.id', 's.host_id')
      .select((eb) => [eb.fn.min<number>('s.id').as('oldest'), eb.fn.max<number>('s.id').as('newest')])
      .where('h.name', '=', head.host)
      .executeTakeFirst();
    const newest = range?.newest ?? null;
    const oldest = range?.oldest ?? null;
    if (stored !== undefined) {
      if (stored.host !== head.host || stored.hash !== head.hash) {
        const what = stored.host !== head.host ? `a snapshot of host ${stored.host}` : `another snapshot (hash ${shortHash(stored.hash)})`;
        findings.push({ head, status: 'altered', message: `the database does not match its witness: ${named} is now ${what}` });
      } else if (newest !== null && newest > head.id) {
        findings.push({ head, status: 'older', message: `the witness is older than the database: it names ${named}, the database goes on to #${newest}` });
      } else {
        findings.push({ head, status: 'match', message: `${named} is the newest, as the witness says` });
      }
    } else if (oldest !== null && newest !== null && head.id < oldest) {
      findings.push({ head, status: 'pruned', message: `the witness names ${named}, which is older than the oldest kept snapshot #${oldest}: nothing to compare` });
    } else {
      findings.push({ head, status: 'missing', message: `the database is behind its witness: ${named} is missing` });
    }
  }
  return findings;
}
