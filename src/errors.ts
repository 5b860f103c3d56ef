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

/** Errors that are the user's to fix, printed as one line without a stack trace. */
export function isExpectedError(error: unknown): error is UsageError | InputError | StorageError {
  return error instanceof UsageError || error instanceof InputError || error instanceof StorageError;
}

/** The errno code of a Node system error (`ENOENT`, `EACCES`, ...), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
