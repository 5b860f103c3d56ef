import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';
import type { Store } from './open-store.js';
import type { PhysicalCheckName } from './physical-check.js';
import { storeDialectOf } from './store-dialect.js';
import { verifyHostHistory } from './verify-host-history.js';
import { compareWithWitness, isWitnessProblem, type WitnessStatus } from './witness-check.js';
import { readWitness, WitnessError, witnessPath, type Witness } from './witness.js';

export interface VerifyProblem {
  /** the host, or null for a problem of the file as a whole (SQLite's checks, the witness) */
  host: string | null;
  /** the snapshot found bad, or null for a problem of a host or of the file */
  snapshotId: number | null;
  message: string;
}

/** What verify compared the database with, outside it (see witness.ts). */
export interface WitnessReport {
  file: string;
  /**
   * none: no witness file; invalid: one that is not a witness; compared: see findings;
   * server: a PostgreSQL store, which has no witness file (store-dialect.ts, fileStore)
   */
  state: 'none' | 'invalid' | 'compared' | 'server';
  writtenAt: string | null;
  findings: { host: string; id: number; status: WitnessStatus; message: string }[];
}

export interface VerifyResult {
  hosts: number;
  snapshots: number;
  /** which of SQLite's checks ran, or PostgreSQL's reference check */
  check: PhysicalCheckName;
  witness: WitnessReport;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** quick_check instead of integrity_check (physical-check.ts says what that skips) */
  quick?: boolean;
}

/**
 * Verifies a database in three separate steps, each adding to one list of problems (none
 * throws for damage it finds, so that one run names everything that is wrong):
 * 1. the file: SQLite's integrity_check (or quick_check) and foreign_key_check;
 * 2. the rows: every snapshot of every host against what was recorded when it was written
 *    (checkSnapshots);
 * 3. the witness: each host's newest snapshot against the head kept outside the file.
 */
export async function verifyStore(store: Store, options: VerifyOptions = {}): Promise<VerifyResult> {
  const physical = await storeDialectOf(store.db).physicalCheck(store.db, options.quick === true ? 'quick_check' : 'integrity_check');
  const problems: VerifyProblem[] = physical.problems.map((message) => ({ host: null, snapshotId: null, message }));
  const counts = await checkSnapshots(store.db, problems);
  const witness = await checkWitness(store, problems);
  return { ...counts, check: physical.check, witness, problems };
}

/**
 * Checks every snapshot of every host against what was recorded when it was written: its
 * socket count, its content hash (which covers the set hash of its sockets), and its
 * prev_hash against the hash of the snapshot before it (where that one still exists:
 * prune removes a prefix, and the oldest kept snapshot's prev_hash then names a snapshot
 * that is gone; its own hash still covers that prev_hash). One pass over each host's
 * versions (verify-host-history.ts): a year of snapshots costs its changes, not snapshots
 * x sockets. A damaged row is reported and the walk goes on; an SQLite error (a damaged
 * page) ends that host's walk with a problem saying so, and the next host is checked.
 */
export async function checkSnapshots(db: Kysely<Database>, problems: VerifyProblem[]): Promise<{ hosts: number; snapshots: number }> {
  const counts = { hosts: 0, snapshots: 0 };
  let hosts: { id: number; name: string }[];
  try {
    hosts = await db.selectFrom('hosts').select(['id', 'name']).orderBy('id').execute();
  } catch (error) {
    problems.push({ host: null, snapshotId: null, message: `the hosts table cannot be read: ${messageOf(error)}` });
    return counts;
  }
  for (const host of hosts) {
    counts.hosts++;
    let last: number | null = null;
    const problem = (snapshotId: number | null, message: string) => problems.push({ host: host.name, snapshotId, message });
    try {
      counts.snapshots += await verifyHostHistory(db, host, problem, (snapshotId) => (last = snapshotId));
    } catch (error) {
      const where = last === null ? `host ${host.name}` : `host ${host.name} after snapshot ${last}`;
      problem(last, `reading ${where} failed, the rest of this host was not checked: ${messageOf(error)}`);
    }
  }
  return counts;
}

/** Step 3: the witness beside the database, if any, against each host's newest snapshot. */
export async function checkWitness(store: Store, problems: VerifyProblem[]): Promise<WitnessReport> {
  if (!storeDialectOf(store.db).fileStore) return { file: '', state: 'server', writtenAt: null, findings: [] };
  const report: WitnessReport = { file: witnessPath(store.location), state: 'none', writtenAt: null, findings: [] };
  let witness: Witness | null;
  try {
    witness = readWitness(store.location);
  } catch (error) {
    if (!(error instanceof WitnessError)) throw error;
    problems.push({ host: null, snapshotId: null, message: error.message });
    return { ...report, state: 'invalid' };
  }
  if (witness === null) return report;
  report.state = 'compared';
  report.writtenAt = witness.writtenAt;
  try {
    for (const finding of await compareWithWitness(store.db, witness)) {
      report.findings.push({ host: finding.head.host, id: finding.head.id, status: finding.status, message: finding.message });
      if (isWitnessProblem(finding)) problems.push({ host: finding.head.host, snapshotId: finding.head.id, message: finding.message });
    }
  } catch (error) {
    problems.push({ host: null, snapshotId: null, message: `comparing with the witness failed: ${messageOf(error)}` });
  }
  return report;
}

function messageOf(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? ` (${String((error as { code: unknown }).code)})` : '';
  return `${error instanceof Error ? error.message : String(error)}${code}`;
}
