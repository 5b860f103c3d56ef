/**
 * Errors that end a command with a known exit code. Library code throws these (never
 * calls process.exit); src/cli.ts is the one place that turns them into exit codes and a
 * single line on stderr.
 */

export const EXIT_OK = 0;
/** differences found (diff), violations found (check), verification failed (verify). */
export const EXIT_DIFFERENCES = 1;
/** usage, input or storage error. */
export const EXIT_ERROR = 2;

/** Bad command-line usage: an unknown flag, a malformed value, a selector that matches nothing. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Bad input other than flags: an unreadable --proc-root, a malformed baseline file. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The database cannot be opened, is newer than this program, or a write failed. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
}

/**
 * The database file is damaged (not a database, truncated, SQLITE_CORRUPT): exit 2 from
 * every command but `verify`, which reports it as a failed verification (exit 1).
 */
export class DamagedStoreError extends StorageError {}

/**
 * Stored history is missing or altered (the database is behind its witness): exit 1, like a
 * failed `verify`, from any command that finds it.
 */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

/** Errors that are the user's to fix, printed as one line without a stack trace. */
export function isExpectedError(error: unknown): error is UsageError | InputError | StorageError | IntegrityError {
  return error instanceof UsageError || error instanceof InputError || error instanceof StorageError || error instanceof IntegrityError;
}

/** The exit code of an expected error: 1 for lost or altered history, 2 for the rest. */
export function exitCodeOf(error: UsageError | InputError | StorageError | IntegrityError): number {
  return error instanceof IntegrityError ? EXIT_DIFFERENCES : EXIT_ERROR;
}

/**
 * SQLite's own report of a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB), met by any query of
 * any command, as the one line the user should act on; other errors are returned unchanged.
 */
export function asDamagedStoreError(error: unknown): unknown {
  const code = errnoCode(error);
  if (code === undefined || !(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) return error;
  const message = error instanceof Error ? error.message : code;
  return new DamagedStoreError(`the database is damaged (${message}, ${code}): run \`sockaudit verify\` to see what is wrong, and restore it from a backup`);
}

/** The errno code of a Node system error (`ENOENT`, `EACCES`, ...), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
