import type { CommandIo } from '../io.js';
import { findFindings } from '../review/findings.js';
import { listeningEntries } from '../review/listening-report.js';
import { listeningJson, renderListening } from '../review/render-listening.js';
import { loadReviewInput, type ReviewSourceOptions } from '../review/review-source.js';

export interface ListeningCommandOptions extends ReviewSourceOptions {
  json?: boolean;
}

/**
 * `sockaudit listening [SNAP]`: what listens where, grouped by exposure (widest first),
 * with namespace, owner exe, user and pids, then the findings. Always exit 0: findings are
 * for reading; `check` is the command that fails.
 */
export async function listeningCommand(options: ListeningCommandOptions, io: CommandIo): Promise<number> {
  const { inventory, source, findingOptions } = await loadReviewInput(options, io.env);
  const entries = listeningEntries(inventory);
  const findings = findFindings(inventory, findingOptions);
  io.stdout(options.json === true ? listeningJson(source, entries, findings) : renderListening(source, entries, findings, io.color));
  return 0;
}
