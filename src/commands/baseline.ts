import type { CommandIo } from '../io.js';
import { baselineJson, createBaseline } from '../review/baseline.js';
import { findFindings } from '../review/findings.js';
import { loadReviewInput, type ReviewSourceOptions } from '../review/review-source.js';

/**
 * `sockaudit baseline create [SNAP]`: prints a baseline (JSON) that allows every listener
 * of the snapshot at its exposure and accepts its findings, so that `check` of the same
 * snapshot passes. Redirect it to a file, review it, add comments and expiry dates.
 */
export async function baselineCreateCommand(options: ReviewSourceOptions, io: CommandIo): Promise<number> {
  const { inventory, source, findingOptions } = await loadReviewInput(options, io.env);
  const baseline = createBaseline(inventory, findFindings(inventory, findingOptions), { snapshot: source.id, now: new Date() });
  io.stdout(baselineJson(baseline));
  return 0;
}
