import { DamagedStoreError, EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { openStore } from '../store/open-store.js';
import { verifyStore, type VerifyProblem, type VerifyResult, type WitnessReport } from '../store/verify-store.js';

export interface VerifyCommandOptions {
  db?: string;
  json?: boolean;
  /** quick_check instead of integrity_check */
  quick?: boolean;
}

/** Problems listed in text output; the rest are counted. */
const SHOWN_PROBLEMS = 20;

/**
 * `sockaudit verify`: SQLite's checks of the file, every stored snapshot of every host
 * rebuilt and checked against its content hash and its link to the previous snapshot, and
 * each host's newest snapshot against the witness. Exit 0 when all hold; 1 naming every
 * problem found (up to 20 in text) otherwise, a damaged or emptied file included; 2 when
 * there is nothing to verify or it cannot be read.
 */
export async function verifyCommand(options: VerifyCommandOptions, io: CommandIo): Promise<number> {
  let store;
  try {
    store = await openStore({ db: options.db, env: io.env, access: 'read' });
  } catch (error) {
    // damage found while opening is what verify is for: a failed verification, not an error
    if (!(error instanceof DamagedStoreError)) throw error;
    const problem: VerifyProblem = { host: null, snapshotId: null, message: error.message };
    if (options.json === true) io.stdout(JSON.stringify({ ok: false, hosts: 0, snapshots: 0, check: null, witness: null, problems: [problem] }) + '\n');
    else io.stdout(`verify failed: the database file is damaged\n  ${escapeText(problem.message)}\n`);
    return EXIT_DIFFERENCES;
  }
  try {
    const result = await verifyStore(store, { quick: options.quick === true });
    const ok = result.problems.length === 0;
    if (options.json === true) {
      io.stdout(JSON.stringify({ ok, ...result }) + '\n');
    } else {
      io.stdout(renderVerifyText(result, store.location));
    }
    return ok ? EXIT_OK : EXIT_DIFFERENCES;
  } finally {
    await store.close();
  }
}

function renderVerifyText(result: VerifyResult, location: string): string {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const lines: string[] = [];
  if (result.problems.length === 0) {
    lines.push(`ok: ${plural(result.snapshots, 'snapshot')} of ${plural(result.hosts, 'host')} verified in ${escapeText(location)} (${result.check === 'references' ? 'PostgreSQL references' : `SQLite ${result.check}`}: ok)`);
  } else {
    const first = result.problems[0]!;
    const where = escapeText(first.host === null ? 'the database file' : first.snapshotId === null ? `host ${first.host}` : `snapshot ${first.snapshotId} of host ${first.host}`);
    lines.push(`verify failed: ${plural(result.problems.length, 'problem')} (${plural(result.snapshots, 'snapshot')} of ${plural(result.hosts, 'host')} checked); first bad: ${where}`);
    for (const problem of result.problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  ${escapeText(problem.message)}`);
    if (result.problems.length > SHOWN_PROBLEMS) lines.push(`  ... and ${result.problems.length - SHOWN_PROBLEMS} more problems (--json lists them all)`);
  }
  lines.push(...witnessLines(result.witness).map((line) => escapeText(line)));
  return lines.join('\n') + '\n';
}

/** What the database was compared with, outside it: said even when nothing is wrong. */
function witnessLines(witness: WitnessReport): string[] {
  if (witness.state === 'server') return ['witness: none for a PostgreSQL store; each host\'s own store stands witness to its history, checked by `sockaudit push`'];
  if (witness.state === 'none') return [`witness: none at ${witness.file}; snapshots lost from the database cannot be detected until a snapshot writes one`];
  if (witness.state === 'invalid') return [`witness: ${witness.file} is not a valid witness; nothing was compared with it`];
  if (witness.findings.length === 0) return [`witness: ${witness.file} (written ${witness.writtenAt}) names no snapshot`];
  return witness.findings.map((finding) => `witness: ${finding.message}`);
}
