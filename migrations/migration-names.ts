/**
 * The names of every migration in migrations/index.ts, in order, without loading them: a
 * database that is up to date is recognised without importing a single migration (see
 * the application's open-store). A test checks that this list and the index agree.
 */
export const MIGRATION_NAMES: readonly string[] = ['0001-initial-schema', '0005-incremental-set-hash', '0006-watch-events', '0007-push-refusals'];
