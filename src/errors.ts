/**
 * Errors that end a command with a known exit code. Library code throws these (never
 * calls process.exit); src/program.ts (run) is the one place that turns them into exit codes and a
 * single line on stderr.
 */

export const EXIT_OK = 0;
/** differences found (diff), violations found (check), verification failed (verify). */
export const EXIT_DIFFERENCES = 1;
/** usage, input or storage error. */
export const EXIT_ERROR = 2;

/**
 * Bad command-line usage: an unknown flag, a malformed value. Raised only where the
 * command line is parsed (src/program.ts and src/options/), never below: commands and
 * everything under them receive typed, valid values.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A well-formed value that names nothing in the data: a snapshot selector that matches no
 * snapshot, a --netns that is none of the inventory's namespaces. Raised where the data
 * is looked at (store/, inventory/), which says what is missing; program.ts prints it as
 * it prints a usage error, since what the user typed is what to change.
 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
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
export function isExpectedError(error: unknown): error is UsageError | NotFoundError | InputError | StorageError | IntegrityError {
  return error instanceof UsageError || error instanceof NotFoundError || error instanceof InputError || error instanceof StorageError || error instanceof IntegrityError;
}

/** The exit code of an expected error: 1 for lost or altered history, 2 for the rest. */
export function exitCodeOf(error: UsageError | NotFoundError | InputError | StorageError | IntegrityError): number {
  return error instanceof IntegrityError ? EXIT_DIFFERENCES : EXIT_ERROR;
}

/**
 * SQLite's own report of a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB, a header it calls an
 * unsupported file format), met by any query of
 * any command, as the one line the user should act on; other errors are returned unchanged.
 */
export function asDamagedStoreError(error: unknown): unknown {
  const code = errnoCode(error);
  const message = error instanceof Error ? error.message : String(code);
  // a damaged header (its format numbers out of range) is plain SQLITE_ERROR, "unsupported
  // file format": SQLite's file format has not changed since 3.7 (2010), so that is damage too
  const badHeader = code === 'SQLITE_ERROR' && message === 'unsupported file format';
  if (code === undefined || !(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || badHeader)) return error;
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
