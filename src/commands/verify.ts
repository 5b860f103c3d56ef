import { EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { openStore } from '../store/open-store.js';
import { verifyStore } from '../store/verify-store.js';

export interface VerifyCommandOptions {
  db?: string;
  json?: boolean;
}

/** Problems listed in text output; the rest are counted. */
const SHOWN_PROBLEMS = 20;

/**
 * `sockaudit verify`: reconstructs every stored snapshot of every host and checks its
 * content hash and its link to the previous snapshot. Exit 0 when all hold, 1 naming the
 * first bad snapshot otherwise.
 */
export async function verifyCommand(options: VerifyCommandOptions, io: CommandIo): Promise<number> {
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const result = await verifyStore(store);
    const ok = result.problems.length === 0;
    if (options.json === true) {
      io.stdout(JSON.stringify({ ok, ...result }) + '\n');
    } else if (ok) {
      const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
      io.stdout(`ok: ${plural(result.snapshots, 'snapshot')} of ${plural(result.hosts, 'host')} verified in ${store.location}\n`);
    } else {
      const first = result.problems[0]!;
      const where = first.snapshotId === null ? `host ${first.host}` : `snapshot ${first.snapshotId} of host ${first.host}`;
      const lines = [`verify failed: first bad: ${escapeText(where)}`];
      for (const problem of result.problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  ${escapeText(problem.message)}`);
      if (result.problems.length > SHOWN_PROBLEMS) lines.push(`  ... and ${result.problems.length - SHOWN_PROBLEMS} more problems`);
      io.stdout(lines.join('\n') + '\n');
    }
    return ok ? EXIT_OK : EXIT_DIFFERENCES;
  } finally {
    await store.close();
  }
}
