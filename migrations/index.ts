/**
 * The static migration index: Node cannot import .ts migrations at run time, and a
 * directory scan would break once bundled, so every migration is listed here, in order.
 * Names sort in the order they apply; add new files at the end, never rename one.
 */
import type { Migration } from 'kysely';
import * as initialSchema from './0001-initial-schema.js';
import * as incrementalSetHash from './0005-incremental-set-hash.js';
import * as watchEvents from './0006-watch-events.js';
import * as pushRefusals from './0007-push-refusals.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0005-incremental-set-hash': incrementalSetHash,
  '0006-watch-events': watchEvents,
  '0007-push-refusals': pushRefusals,
};
