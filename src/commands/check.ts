import { EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';
import { checkAgainstBaseline } from '../review/check.js';
import { findFindings } from '../review/findings.js';
import { parseBaseline, readBaselineFile } from '../review/parse-baseline.js';
import { checkJson, renderCheck } from '../review/render-check.js';
import { loadReviewInput, type ReviewSourceOptions } from '../review/review-source.js';

export interface CheckCommandOptions extends ReviewSourceOptions {
  baseline: string;
  json?: boolean;
  /** every host's latest snapshot in the store (check-all-hosts.ts) */
  allHosts?: boolean;
}


/**
 * `sockaudit check --baseline FILE [SNAP]`: unexpected listeners, exposure wider than
 * allowed, a different exe or user on an allowed port, expired entries, and high-severity
 * findings the baseline does not accept. Exit 1 when there is any, 0 when clean, 2 when
 * the baseline cannot be read or is malformed.
 */
export async function checkCommand(options: CheckCommandOptions, io: CommandIo): Promise<number> {
  // the baseline first: a typo in it should not cost a collection
  const baseline = parseBaseline(readBaselineFile(options.baseline), options.baseline);
  if (options.allHosts === true) return (await import('./check-all-hosts.js')).checkAllHosts({ ...options, baselineFile: options.baseline }, baseline, io);
  const { inventory, source, findingOptions } = await loadReviewInput(options, io.env);
  const result = checkAgainstBaseline(inventory, findFindings(inventory, findingOptions), baseline, new Date());
  io.stdout(options.json === true ? checkJson(source, options.baseline, result) : renderCheck(source, options.baseline, result, io.color));
  return result.violations.length > 0 ? EXIT_DIFFERENCES : EXIT_OK;
}
